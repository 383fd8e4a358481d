#!/bin/bash
names=(alice bob carol)
for i in "${!names[@]}"; do
	printf '%d:%s\n' "$i" "${names[i]^}"
done
upper=()
for n in "${names[@]}"; do upper+=("${n^^}"); done
echo "${upper[*]}"
