#!/bin/bash
n=0
while ((n < 5)); do ((n++)); done
echo $n
((x = 3, y = x * 2))
echo $x $y
