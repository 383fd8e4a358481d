#!/bin/bash
let "x = 2" "y = x ** 3"
echo $x $y
let x++
echo $x
