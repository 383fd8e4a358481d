#!/bin/bash
arr=( $(echo "x y z") )
echo "${#arr[@]}"
IFS=: arr2=( $(echo "a:b:c") )
echo "${#arr2[@]} ${arr2[1]}"
