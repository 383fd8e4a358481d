unset a
b='x y'
printf '[%s]' ${a:-$b}; echo
printf '[%s]' ${a:-"$b"}; echo
printf '[%s]' "${a:-$b}"; echo
