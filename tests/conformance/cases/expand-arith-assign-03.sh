echo $((y=4*2)) $y
echo $((a=b=3)) $a $b
