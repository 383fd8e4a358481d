a_b=1 _x=2 A1=3
echo $a_b $_x $A1
echo $a-b
