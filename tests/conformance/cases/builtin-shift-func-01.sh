f() { shift 2; echo "$# $*"; }
f 1 2 3 4
