#!/bin/bash
declare -A m=([x]=1 [y]=2)
unset m
echo "[${m[x]}] ${#m[@]}"
declare -A m
m[z]=3
echo "${!m[@]}"
