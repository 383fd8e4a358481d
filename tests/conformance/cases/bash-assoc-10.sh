#!/bin/bash
declare -A seen
for w in b a b c a; do
	[[ -n ${seen[$w]} ]] && continue
	seen[$w]=1
	echo "first $w"
done
echo "${#seen[@]}"
