#!/bin/bash
a=(1 2 3)
IFS=,
echo "${a[*]}"
IFS=" "
s="${a[*]}"
echo "$s"
