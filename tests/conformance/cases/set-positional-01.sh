set -- a b c
echo $#
set -- "$@" d
echo $# $4
set x y
echo $1 $#
