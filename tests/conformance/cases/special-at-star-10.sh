set -- a b c
printf '[%s]' "${@:-none}"; echo
set --
printf '[%s]' "${@:-none}"; echo
