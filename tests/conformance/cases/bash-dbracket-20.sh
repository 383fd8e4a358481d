#!/bin/bash
f() { [[ $1 == yes ]]; }
f yes && echo y
f no || echo n
! [[ 1 -eq 2 ]] && echo bang-outside
