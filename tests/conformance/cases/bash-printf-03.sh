#!/bin/bash
declare -A m
printf -v "m[key]" "%03d" 7
echo "${m[key]}"
printf -v out "%s," 1 2 3
echo "${out%,}"
