#!/bin/bash
mkdir -p dir/{src,doc}
ls dir
for i in {1..3}; do echo "n$i"; done
touch f{1,2}.txt
ls f*.txt
