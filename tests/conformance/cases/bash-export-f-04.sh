#!/bin/bash
add() { echo $(( $1 + $2 )); }
export -f add
bash -c "add 2 3"
x=$(bash -c "add 4 5")
echo "$x"
