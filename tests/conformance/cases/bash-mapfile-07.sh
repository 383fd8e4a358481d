#!/bin/bash
arr=(old old old old)
printf "n1\nn2\n" | { mapfile -t arr; echo "${#arr[@]} ${arr[*]}"; }
mapfile -t -O 2 arr < <(printf "x\n")
echo "${arr[*]}"
