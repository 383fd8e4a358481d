#!/bin/bash
for ((i = 0; i < 5; i++)); do
	((i == 1)) && continue
	((i == 3)) && break
	echo $i
done
echo after $i
