#!/bin/bash
echo abc > >(tr a-z A-Z)
wait
f() { wc -l < "$1"; }
f <(seq 5)
n=0
while read -r _; do n=$((n + 1)); done < <(seq 7)
echo "n=$n"
