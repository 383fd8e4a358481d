#!/bin/bash
declare -A b=(["x y"]=1 [p]=2)
echo "${b["x y"]} ${b[p]}"
for k in "${!b[@]}"; do printf "[%s]\n" "$k"; done
