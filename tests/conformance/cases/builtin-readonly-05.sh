readonly R=1
f() { R=2; }
(f) 2>/dev/null
echo status $?
