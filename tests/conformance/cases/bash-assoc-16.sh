#!/bin/bash
declare -A m=([1]=one [10]=ten [2]=two)
for k in "${!m[@]}"; do echo "$k:${m[$k]}"; done | sort
