#!/bin/bash
f=notes.md
[[ $f == *.@(txt|md) ]] && echo text
[[ $f != !(*.md) ]] && echo md
shopt -q extglob || echo "extglob still off"
