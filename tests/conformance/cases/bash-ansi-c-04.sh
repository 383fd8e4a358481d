#!/bin/bash
nl=$'\n'
tab=$'\t'
s="a${tab}b${nl}c"
printf '%s\n' "$s" | wc -l
printf '%s' $'\101\102\103'; echo
