#!/bin/bash
declare -A m
m[one]=1
m[two]=2
k=two
echo "${m[one]} ${m[$k]} ${m[nope]-unset}"
unset "m[one]"
echo "${!m[@]}" ${#m[@]}
