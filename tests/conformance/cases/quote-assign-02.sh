x=*
touch f1 f2
echo "$x"
y=$x
echo "$y"
