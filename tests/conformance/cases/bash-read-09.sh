#!/bin/bash
read -r -d "" block <<"EOF"
line one
line two
EOF
echo "$? ${#block}"
printf "%s\n" "$block"
