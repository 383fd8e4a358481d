set --
printf '[%s]' x"$@"y; echo
printf '[%s]' "$@"; echo "$#"
printf '[%s]' "${@}z"; echo
