#!/bin/bash
files=()
touch b.txt a.txt
for f in *.txt; do files+=("$f"); done
echo "${#files[@]}: ${files[*]}"
