#!/bin/bash
read -r line <<< "a:b:c"
IFS=: parts=($line)
echo "${#parts[@]}"
IFS=:
parts=($line)
echo "${#parts[@]} ${parts[1]}"
