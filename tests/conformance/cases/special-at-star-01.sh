set -- a b c
echo $@
echo $*
echo "$@"
echo "$*"
