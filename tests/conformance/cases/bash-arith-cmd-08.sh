#!/bin/bash
x=10
(( x > 5 )) && (( x < 20 )) && echo in-range
if (( x % 2 == 0 )); then echo even; fi
