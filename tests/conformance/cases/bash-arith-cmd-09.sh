#!/bin/bash
total=0
for ((i = 1; i <= 10; i++)); do ((total += i)); done
echo $total
for ((j = 10; j > 0; j -= 4)); do echo -n "$j "; done; echo
