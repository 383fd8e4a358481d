#!/bin/bash
declare -A c
for w in x y x z x; do (( c[$w]++ )); done
echo "${c[x]} ${c[y]} ${c[z]}"
(( c[y] *= 5 ))
echo $(( c[y] > c[x] ? c[y] : c[x] ))
