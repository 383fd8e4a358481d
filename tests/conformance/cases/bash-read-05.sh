#!/bin/bash
while IFS=, read -r -a f; do
	echo "${#f[@]}: ${f[1]}"
done <<"EOF"
a,b,c
d,e
EOF
