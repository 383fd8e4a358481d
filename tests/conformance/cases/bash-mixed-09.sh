#!/bin/bash
printf 'b 2\na 1\nc 3\n' > data
while read -r name val; do
	if (( val > 1 )); then echo "${name^^}=$val"; fi
done < data
sort data | while read -r name val; do echo "$name"; done
