x='a   b'
echo "$x"
echo $x
set -- "$x"
echo $#
