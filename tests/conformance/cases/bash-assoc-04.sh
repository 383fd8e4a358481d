#!/bin/bash
declare -A a
for ((i = 0; i < 3000; i++)); do a[k$i]=$i; done
echo ${#a[@]}
printf "%s\n" "${!a[@]}" | head -5
printf "%s\n" "${!a[@]}" | tail -3
