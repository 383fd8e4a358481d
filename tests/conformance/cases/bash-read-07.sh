#!/bin/bash
IFS=, read -r -a f <<< "x,,y,"
echo "${#f[@]}"
printf "<%s>" "${f[@]}"
echo
