#!/bin/bash
n=10
(( n -= 3 ))
(( n *= 2 ))
echo "$n"
(( n > 10 )) && echo big
(( 0 )) || echo zero-false
