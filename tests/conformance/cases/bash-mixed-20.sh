#!/bin/bash
to_upper() { echo "${1^^}"; }
mapfile -t names <<< $'ann\nbo\ncy'
for i in "${!names[@]}"; do printf "%d:%s\n" "$i" "$(to_upper "${names[$i]}")"; done
