#!/bin/bash
echo "top: ${#FUNCNAME[@]} ${BASH_SOURCE[*]}"
f() { echo "f: ${FUNCNAME[*]} $FUNCNAME ${BASH_SOURCE[*]}"; g; }
g() { echo "g: ${FUNCNAME[*]} ${FUNCNAME[1]}"; }
f
