x='a
b'
set -- $x
echo $#
IFS=
set -- $x
echo $#
