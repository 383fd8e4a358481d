f() { false; return; }
f
echo $?
g() { true; }
g
echo $?
