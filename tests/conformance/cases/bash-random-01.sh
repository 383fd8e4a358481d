#!/bin/bash
r=$RANDOM
[[ $r -ge 0 && $r -le 32767 ]] && echo in-range
a=$RANDOM b=$RANDOM c=$RANDOM
[[ "$a$b$c" =~ ^[0-9]+$ ]] && echo digits
