#!/bin/bash
re='^[0-9]+$'
for s in 123 12a ""; do
	if [[ $s =~ $re ]]; then echo "$s num"; else echo "$s not"; fi
done
