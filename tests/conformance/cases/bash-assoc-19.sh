#!/bin/bash
declare -A a=([x]=1)
declare -A b=([y]=2)
for k in "${!a[@]}"; do b[$k]=${a[$k]}; done
for k in x y; do echo "$k ${b[$k]}"; done
