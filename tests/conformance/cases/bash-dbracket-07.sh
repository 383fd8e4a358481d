#!/bin/bash
s="ver 1.25 end"
if [[ $s =~ ([0-9]+)\.([0-9]+) ]]; then
	echo "match ${BASH_REMATCH[0]} major ${BASH_REMATCH[1]} minor ${BASH_REMATCH[2]}"
fi
[[ abc =~ ^b ]]; echo $?
