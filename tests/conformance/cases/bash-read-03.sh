#!/bin/bash
printf "a:b:c" | { read -d : x; echo "[$x] $?"; read -d "" y; echo "[$y] $?"; }
printf "a b c d\n" | { read -a arr; echo "${#arr[@]} ${arr[3]}"; }
printf "x y\n" | { IFS=: read -a arr; echo "${#arr[@]} ${arr[0]}"; }
