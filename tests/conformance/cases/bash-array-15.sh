#!/bin/bash
list=(1 2 3 4 5)
sum=0
for n in "${list[@]}"; do ((sum += n)); done
echo $sum
echo "${list[@]: -2}"
