#!/bin/bash
a=(one two three)
echo "${#a[1]}"
echo "${a[1]^^}"
echo "${a[2]/th/TH}"
echo "${a[5]:-default}"
