#!/bin/bash
shopt -s extglob
x=foo123bar
echo ${x%%+([a-z])} ${x##+([a-z])} ${x/@(foo|bar)/Z} ${x//@(foo|bar)/Z}
y="   padded   "
echo "[${y##+([[:space:]])}]" "[${y%%*([[:space:]])}]"
