x=010 y=0x1F
echo $((x + y)) $((x)) $((y))
