x='a b'
export y=$x
echo "$y"
z=$x
echo "$z"
