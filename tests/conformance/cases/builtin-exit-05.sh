f() { exit 6; echo no; }
f
echo not reached
