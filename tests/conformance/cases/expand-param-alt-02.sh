x=1
set -- ${x:+a b c}
echo $#
set -- "${x:+a b c}"
echo $#
