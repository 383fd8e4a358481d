#!/bin/bash
declare -A h=([k]=abc)
echo "${h[k]:1} ${h[k]: -1} ${#h[k]} ${h[k]^}"
h[k]=${h[k]}def
echo "${h[k]}"
