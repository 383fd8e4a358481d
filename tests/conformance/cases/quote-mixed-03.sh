x=''
set -- $x "" '' "$x"
echo $#
