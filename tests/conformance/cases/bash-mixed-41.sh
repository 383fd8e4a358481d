#!/bin/bash
printf "%s\n" 3 1 2 > nums
mapfile -t n < <(sort -n nums)
echo "min ${n[0]} max ${n[-1]}"
echo "sum $(( n[0] + n[1] + n[2] ))"
