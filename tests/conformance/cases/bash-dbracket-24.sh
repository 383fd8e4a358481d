#!/bin/bash
[[ a < b && b < c ]] && echo ordered
[[ 2 < 10 ]] || echo string-compare
[[ 2 -lt 10 ]] && echo numeric
