#!/bin/bash
declare -A m
m["key with spaces"]=v1
m[k2]="value with spaces"
for k in "${!m[@]}"; do printf "<%s>=<%s>\n" "$k" "${m[$k]}"; done
