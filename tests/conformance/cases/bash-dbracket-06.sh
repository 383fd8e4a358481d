#!/bin/bash
[[ abc < abd ]] && echo lt
[[ b > a ]] && echo gt
[[ 10 -lt 9 ]]; echo $?
[[ 3+4 -eq 7 ]] && echo arith
