#!/bin/bash
readarray -t sorted < <(printf "%s\n" pear apple fig | sort)
echo "${sorted[@]}"
cmp -s <(echo same) <(echo same) && echo identical
