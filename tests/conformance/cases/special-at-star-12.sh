set -- 1 2
printf '[%s]' "pre$@post" "$@$@"; echo
