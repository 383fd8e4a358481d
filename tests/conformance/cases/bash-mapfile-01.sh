#!/bin/bash
printf "a\nb\nc\n" > f
mapfile -t a < f
echo ${#a[@]} "${a[@]}"
mapfile b < f
printf "[%s]" "${b[@]}"
echo
