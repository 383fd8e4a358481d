#!/bin/bash
declare -A count
text="the cat and the dog and the bird"
for w in $text; do (( count[$w]++ )); done
for w in the and cat; do echo "$w ${count[$w]}"; done
