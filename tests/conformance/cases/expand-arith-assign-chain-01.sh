x=2
echo $((z = (x += 1) * 2)) $x $z
echo $((x = y = 4)) $x $y
