set -e
f() { return 3; }
f && echo no
echo and-left-ok
