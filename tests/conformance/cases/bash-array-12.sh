#!/bin/bash
words="a b c"
arr=($words)
echo ${#arr[@]}
arr=(*.none)
echo "${arr[0]}"
