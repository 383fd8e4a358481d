#!/bin/bash
mapfile -t lines <<"EOF"
first line
second line

fourth
EOF
echo "${#lines[@]}"
printf "<%s>\n" "${lines[@]}"
