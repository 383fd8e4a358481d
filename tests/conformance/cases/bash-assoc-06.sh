#!/bin/bash
f() {
	local -A m
	m[q]=1
	echo "in: ${!m[@]}"
}
f
echo "out: ${!m[@]}-"
declare -A e=([u]=1 [v]=2)
e=([w]=3)
echo "${!e[@]} ${e[@]}"
