set -- a b c
cat <<END
$# $1 ${2} $@ "$*"
END
