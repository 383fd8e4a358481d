#!/bin/bash
declare -A m=([one]=1 [two]=2 [three]=3)
sum=0
for v in "${m[@]}"; do sum=$((sum + v)); done
echo "$sum"
keys=("${!m[@]}")
echo "${#keys[@]}"
