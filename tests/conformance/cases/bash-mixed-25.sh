#!/bin/bash
count=0
check() { (( count++ )); [[ $1 == *x* ]]; }
for w in ax b cx d; do check "$w" && echo "match $w"; done
echo "checked $count"
