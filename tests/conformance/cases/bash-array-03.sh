#!/bin/bash
a=(x y)
a+=(z)
a[5]=five
echo "${a[@]}"
echo "${!a[@]}"
echo ${#a[@]}
