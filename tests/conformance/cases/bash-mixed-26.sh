#!/bin/bash
out=$(
	for i in {1..3}; do
		printf "%02d " "$i"
	done
)
echo "[${out% }]"
printf -v pad "%*s" 5 ""
echo "[$pad]"
