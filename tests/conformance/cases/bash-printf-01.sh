#!/bin/bash
printf "%q|" "a~" "~a" "a#" "#a" "" "a=~b" "x:~" "a b" "it's" "\$x" "a*b"
echo
printf "%q\n" $'a\nb' $'\e' $'\t' $'\x01z'
printf "%5q|%-4q|\n" a b
