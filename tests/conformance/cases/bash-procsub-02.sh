#!/bin/bash
while read -r l; do echo "line $l"; done < <(printf "1\n2\n")
cat <(echo hello) <(echo world)
paste <(seq 3) <(seq 4 6)
