set -- a b
IFS=:
echo "$*"
IFS=
echo "$*"
unset IFS
echo "$*"
