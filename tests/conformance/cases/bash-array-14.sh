#!/bin/bash
a=()
a[0]=zero
a[2]=two
echo "${#a[@]}" "${a[@]}"
a+=(three)
echo "${!a[@]}"
