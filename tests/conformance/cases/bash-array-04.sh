#!/bin/bash
a=(p q r s)
echo "${a[-1]} ${a[-2]}"
echo "${a[@]:1:2}"
echo "${a[@]:2}"
i=1
echo "${a[i]} ${a[i+1]} ${a[$i]}"
