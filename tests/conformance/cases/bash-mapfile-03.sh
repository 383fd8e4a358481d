#!/bin/bash
printf "p,q,r" | { mapfile -d , -t z; echo "${z[@]} ${#z[@]}"; }
seq 5 | { mapfile -n 2 q; read r; echo "$r ${#q[@]}"; }
mapfile -t e < /dev/null
echo "${#e[@]}"
