f() { :; }
false
f
echo $?
