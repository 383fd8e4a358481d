#!/bin/bash
declare -a q=()
q+=(first)
q+=(second third)
while (( ${#q[@]} )); do
	echo "take ${q[0]}"
	q=("${q[@]:1}")
done
