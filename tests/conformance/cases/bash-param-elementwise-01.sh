#!/bin/bash
set -- ab ac
echo ${@#a} "${@%c}" ${*#?}
a=(apple banana cherry)
echo "${a[@]^}" "${a[@]#?}" ${a[*]/%a/A}
echo "${a[@]%%an*}" "${a[@],,}"
files=(x.c y.c)
echo "${files[@]/%.c/.o}"
