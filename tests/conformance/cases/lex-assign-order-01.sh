x=1 y=$x
echo $y
a=1 b=2 c=$a$b
echo $c
