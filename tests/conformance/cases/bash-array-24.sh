#!/bin/bash
a=(5 3 8 1)
max=${a[0]}
for v in "${a[@]}"; do (( v > max )) && max=$v; done
echo "$max"
