#!/bin/bash
a=3 b=4
(( c = a * a + b * b ))
echo $c
(( a > b ? (m = a) : (m = b) ))
echo $m
echo $(( a > b ? a : b ))
