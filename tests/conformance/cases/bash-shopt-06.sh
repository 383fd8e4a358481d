#!/bin/bash
touch a.txt b.txt
shopt -s nullglob
files=(*.txt *.none)
echo "${#files[@]}"
for f in *.none; do echo "never $f"; done
echo done
