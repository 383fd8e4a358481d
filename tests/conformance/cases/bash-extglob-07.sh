#!/bin/bash
shopt -s extglob
s="  trim me  "
s=${s##+([[:space:]])}
s=${s%%+([[:space:]])}
echo "[$s]"
