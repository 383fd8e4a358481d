x="a b"  y='c d'  z=e\ f
echo "$x|$y|$z"
