#!/bin/bash
i=0
while (( i < 5 )); do (( i++ )); done
echo "$i"
(( x = 3 ** 2, y = x % 4 ))
echo "$x $y"
