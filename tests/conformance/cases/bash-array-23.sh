#!/bin/bash
files=("a b" c "d e f")
for f in "${files[@]}"; do echo "<$f>"; done
echo "${#files[1]}"
