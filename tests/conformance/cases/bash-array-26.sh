#!/bin/bash
a=(x y z)
b=("${a[@]}")
b[0]=changed
echo "${a[0]} ${b[0]}"
