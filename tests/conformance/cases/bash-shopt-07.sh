#!/bin/bash
mkdir -p src/lib/deep
touch src/a.sh src/lib/b.sh src/lib/deep/c.sh src/lib/deep/d.txt
shopt -s globstar
for f in src/**/*.sh; do echo "$f"; done
n=(src/**)
echo "${#n[@]}"
