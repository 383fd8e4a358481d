#!/bin/bash
declare -A a=([a]=1 [b]=2 [c]=3 [hello]=4)
echo "${!a[@]}"
echo "${a[@]}"
echo ${#a[@]}
