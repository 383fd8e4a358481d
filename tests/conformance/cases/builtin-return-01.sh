f() { return 3; echo no; }
f
echo $?
