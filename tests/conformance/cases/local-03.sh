x=1
f() { local x; x=2; echo $x; }
f
echo $x
