f() { shift; echo "$@"; }
set -- x y z
f 1 2 3
echo "$@"
