#!/bin/bash
s=$'line1\nline2\ttab'
echo "$s"
printf "%s" $'\x41\102\u0043' | od -An -c
