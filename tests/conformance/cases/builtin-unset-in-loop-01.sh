for v in a b c; do eval "$v=1"; done
unset a c
echo "${a-u}${b-u}${c-u}"
