x='$(echo no)'
echo $x "$x"
