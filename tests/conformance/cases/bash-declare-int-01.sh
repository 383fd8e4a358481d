#!/bin/bash
declare -i n=5
n+=3
echo "$n"
n="2 * 4 + 1"
echo "$n"
declare -i m
m=n*2
echo "$m"
declare +i m
m=n*2
echo "$m"
