set -- a 'b c'
printf '[%s]' "${1+$@}"; echo
printf '[%s]' ${1+"$@"}; echo
