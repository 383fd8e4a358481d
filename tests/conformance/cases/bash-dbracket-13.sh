#!/bin/bash
f=""
[[ $f == "" ]] && echo empty
[[ -z $f && -z "$f" ]] && echo both
n=0
[[ $n == 0 ]] && [[ $n -eq 0 ]] && echo zero
