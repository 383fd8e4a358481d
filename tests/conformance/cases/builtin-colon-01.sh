:
echo $?
: ignored args $(echo expanded >&2) > f
ls f
