#!/bin/bash
x=3
msg=$( (( x > 2 )) && echo big || echo small )
echo $msg
out=$(echo -e 'a\tb' | cut -f2)
echo $out
