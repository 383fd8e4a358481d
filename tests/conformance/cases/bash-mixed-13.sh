#!/bin/bash
printf "%s\n" "alice 30" "bob 25" "carol 35" > people
declare -A age
while read -r name a; do age[$name]=$a; done < people
oldest= max=0
for n in "${!age[@]}"; do (( age[$n] > max )) && { max=${age[$n]}; oldest=$n; }; done
echo "$oldest $max"
