set -- 'a b' c
IFS=,
printf '[%s]' "$@" "$*"; echo
