#!/bin/bash
mapfile -t lines < <(printf "a\nb\nc\n")
echo "${#lines[@]} ${lines[2]}"
read -r first < <(echo one two)
echo "$first"
[[ -e <(true) ]] && echo exists
