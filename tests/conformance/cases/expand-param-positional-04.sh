set -- a b c
shift
echo $1 $#
