#!/bin/bash
a=(x y z)
a[1]=Y
a[${#a[@]}]=w
echo "${a[@]}"
unset 'a[0]'
echo "${a[@]}" "${#a[@]}"
