#!/bin/bash
declare -A c
c[x]+=ab
c[x]+=cd
echo "${c[x]}" ${#c[x]}
c+=([y]=1 [z]=2)
for k in "${!c[@]}"; do echo "$k=${c[$k]}"; done
