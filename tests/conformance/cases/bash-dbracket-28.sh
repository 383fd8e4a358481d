#!/bin/bash
a=abc b=abd
[[ $a < $b ]] && echo less
[[ $a > $b ]] || echo "not greater"
[[ (a == a || b == c) && ! -z x ]] && echo grouped
