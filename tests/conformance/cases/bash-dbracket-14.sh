#!/bin/bash
case_fn() { [[ $1 == [0-9]* ]] && echo "num $1" || echo "str $1"; }
case_fn 42
case_fn abc
case_fn 7x
