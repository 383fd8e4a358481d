set -- a
shift
echo $#
shift 2>/dev/null
echo status $?
