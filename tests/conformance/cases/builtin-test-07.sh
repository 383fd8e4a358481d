[ 1 = 1 ] && echo bracket
[ ] || echo empty-bracket
[ -n "" ] || echo empty-n
