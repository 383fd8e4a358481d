#!/bin/bash
a=(b c a)
for i in "${!a[@]}"; do echo "$i=${a[$i]}"; done
echo "${a[*]:1}"
