#!/bin/bash
f() { declare -g G=global; local L=local; }
f
echo "${G-unset} ${L-unset}"
declare -i n=5
echo $n
