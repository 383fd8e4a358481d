#!/bin/bash
while read -r w; do echo "<$w>"; done <<< "x"
n=$(wc -c <<< "abc")
echo $n
set -- $(cat <<< "p q r")
echo $#
