f() { return 5; }
true | f
echo $?
