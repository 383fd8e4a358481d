x=3
echo $x>f
cat f
