#!/bin/bash
join <(printf "1 a\n2 b\n") <(printf "1 x\n2 y\n")
