#!/bin/bash
declare -A m=([a]=1)
m[a]=2
m+=([b]=3 [a]=4)
echo "${m[a]} ${m[b]} ${#m[@]}"
