#!/bin/bash
declare -A cfg=([host]=h)
k=host
[[ -v cfg[$k] ]] && echo y1
[[ -v cfg[no] ]] || echo n1
a=(1 "" 3)
[[ -v a[1] ]] && echo y2
[[ -v a[5] ]] || echo n2
[[ -v a[@] ]] && echo y3
unset x
[[ -v x ]] || echo n4
