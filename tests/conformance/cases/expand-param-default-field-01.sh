unset u
printf '[%s]' ${u:-a "b c" d}; echo
printf '[%s]' "${u:-a "b c" d}"; echo
