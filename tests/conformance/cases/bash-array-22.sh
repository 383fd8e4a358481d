#!/bin/bash
a=()
echo "${#a[@]}"
a[5]=x
echo "${#a[@]} ${!a[@]}"
a[2]=y
echo "${a[@]}"
