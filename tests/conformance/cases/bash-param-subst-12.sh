#!/bin/bash
str="a.b.c"
IFS=. read -r -a parts <<< "$str"
echo "${#parts[@]} ${parts[1]}"
echo "${str//./ }"
