#!/bin/bash
f() { local -a arr=(l1 l2); echo "${arr[@]}" ${#arr[@]}; }
f
declare -a d=(d1 d2 d3)
echo "${d[2]}"
e=()
echo "${#e[@]}"
