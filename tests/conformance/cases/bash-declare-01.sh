#!/bin/bash
f() { declare x=local; echo "in $x"; }
x=global
f
echo "out $x"
declare -x EXP=exported
printenv EXP
