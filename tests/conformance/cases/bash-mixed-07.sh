#!/bin/bash
log() { echo "[${FUNCNAME:-f}] $*"; }
count=0
for w in alpha beta gamma; do
	[[ $w == *a ]] && ((count++))
done
echo "count=$count"
