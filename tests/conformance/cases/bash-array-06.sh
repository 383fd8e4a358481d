#!/bin/bash
a=(first second)
echo $a
echo "${a}"
a=replaced
echo "${a[@]}"
