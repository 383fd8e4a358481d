x=1 :
echo "x=$x"
y=2 eval 'echo "in eval y=$y"'
echo "y=$y"
z=3 export w
echo "z=$z"
