#!/bin/bash
s=""
for i in {1..5}; do
	(( i % 2 )) && s+="$i"
done
echo "$s"
[[ $s =~ ^1.*5$ ]] && echo odd-digits
