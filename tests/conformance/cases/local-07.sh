x=outer
f() { local x=mid; g; echo f:$x; }
g() { x=changed-by-g; }
f
echo $x
