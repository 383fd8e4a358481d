#!/bin/bash
a=(one two)
echo "$a ${a} ${a[0]}"
a=new
echo "${a[@]}"
