#!/bin/bash
n=5
((n *= 2, n -= 1))
echo $n
x=7
echo $(( x << 2 )) $(( x & 3 )) $(( x | 8 )) $(( ~x ))
