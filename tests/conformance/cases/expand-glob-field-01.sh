touch x1 x2
v='x*'
set -- $v
echo $#
