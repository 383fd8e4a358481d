#!/bin/bash
f=file.txt
[[ $f == *.@(txt|md) ]] 2>/dev/null
[[ $f == *.txt ]] && echo txt
[[ ${f##*.} == txt ]] && echo ext
