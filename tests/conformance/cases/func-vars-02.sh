x=1
f() { echo $x; }
x=2 f
echo $x
