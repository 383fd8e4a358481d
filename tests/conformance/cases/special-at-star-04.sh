set --
set -- "$*"
echo $#
