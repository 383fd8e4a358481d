#!/bin/bash
a=(x y z)
IFS=,
echo "${a[*]}"
unset IFS
a[1]+=tail
echo "${a[@]}"
