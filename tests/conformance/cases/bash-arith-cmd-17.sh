#!/bin/bash
a=(3 4)
echo $(( a[0] * a[1] ))
declare -A m=([k]=7)
echo $(( m[k] + 1 ))
