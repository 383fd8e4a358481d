#!/bin/bash
printf "1\n2\n3\n" > f
mapfile -t -n 0 all < f
echo "${#all[@]}"
exec 3< f
mapfile -t -u 3 byfd
exec 3<&-
echo "${byfd[2]}"
