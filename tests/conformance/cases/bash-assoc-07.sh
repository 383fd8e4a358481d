#!/bin/bash
declare -A h=([k]=value)
echo "${h[k]:-d} ${h[none]:-d} ${h[k]/val/VAL} ${h[k]^^}"
[[ -n ${h[k]} ]] && echo set
key=k
echo "${#h[$key]}"
