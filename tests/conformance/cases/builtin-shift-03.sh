set -- a b
shift 3
echo not reached
