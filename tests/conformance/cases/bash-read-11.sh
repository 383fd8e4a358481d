#!/bin/bash
read -t 1 x <<< "quick"
echo "$? $x"
read -N 2 y <<< "abcdef"
echo "$y"
