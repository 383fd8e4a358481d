#!/bin/bash
a=(one two three)
unset "a[1]"
echo "${#a[@]} ${!a[*]} ${a[*]}"
a+=(four)
echo "${!a[*]}"
