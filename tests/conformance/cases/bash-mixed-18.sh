#!/bin/bash
mkdir -p d && touch d/{a,b,c}.log d/keep.txt
shopt -s nullglob
logs=(d/*.log)
echo "${#logs[@]}"
for f in "${logs[@]}"; do mv "$f" "${f%.log}.old"; done
ls d
