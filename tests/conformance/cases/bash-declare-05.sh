#!/bin/bash
declare a=1 b=2 c
echo "$a $b [${c-unset}]"
declare -r k=v
k=w 2>/dev/null || echo "readonly kept $k"
