#!/bin/bash
printf "a\nb\nc\nd\n" > f
readarray -t -s 1 -n 2 c < f
echo "${c[@]}"
mapfile -t < f
echo "${MAPFILE[@]}"
mapfile -t -O 5 c < f
echo "${!c[@]}"
