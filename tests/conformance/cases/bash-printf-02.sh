#!/bin/bash
printf -v x "%s-%d" a 5
echo "$x"
printf -v "arr[2]" %s hi
echo "${arr[2]}"
printf -v y "%s\n" a b
echo "[$y]"
printf -v q %q "a b"
eval "set -- $q"
echo "$# $1"
