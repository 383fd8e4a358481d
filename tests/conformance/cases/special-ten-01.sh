set -- a b c d e f g h i j k
echo ${10} ${11}
shift 10
echo $1 $#
