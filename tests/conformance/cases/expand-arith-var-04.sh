x=' 12 '
echo $((x+1))
x=0x10
echo $((x+1))
