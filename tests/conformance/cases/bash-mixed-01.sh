#!/bin/bash
count=0
for f in {1..3}; do
	if [[ $f -ne 2 ]]; then
		echo "line $f" >> out.txt
		((count++))
	fi
done
wc -l < out.txt
echo $count
