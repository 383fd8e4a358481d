(set -- x y; echo $#)
echo $#
