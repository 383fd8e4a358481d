#!/bin/bash
let x=5+3
echo $x
let "y = x * 2" z=1
echo $y $z
let 0; echo $?
let 1; echo $?
