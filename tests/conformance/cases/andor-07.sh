x=0
true && x=1 || x=2
echo $x
false && x=3 || x=4
echo $x
