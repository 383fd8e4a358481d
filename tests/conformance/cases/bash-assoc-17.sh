#!/bin/bash
declare -A m
i=0
for c in red green blue; do m[$c]=$i; i=$((i + 1)); done
echo "${m[green]} ${m[blue]}"
echo "${m[@]:0:1}" | wc -w
