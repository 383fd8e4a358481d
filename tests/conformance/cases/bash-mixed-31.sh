#!/bin/bash
greeting="hi"
declare -n ref=greeting 2>/dev/null || true
printf "%s\n" "${greeting}"
x=5; y=x
echo "$(( y ))"
