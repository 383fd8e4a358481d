f() { eval 'return 6'; echo no; }
f
echo $?
