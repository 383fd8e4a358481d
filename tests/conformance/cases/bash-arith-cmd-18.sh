#!/bin/bash
x=5
echo $(( x > 3 ? 1 : 0 )) $(( x << 2 )) $(( ~x )) $(( x & 3 )) $(( -x / 2 ))
let "y = x * 2" z=y+1
echo "$y $z"
