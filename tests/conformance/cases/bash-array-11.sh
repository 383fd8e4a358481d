#!/bin/bash
a=(
	one   # first
	two
)
echo "${a[@]}"
set -- "${a[@]}"
echo $#
