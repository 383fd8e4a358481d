f() { false; }
f
echo $?
g() { (exit 5); }
g
echo $?
