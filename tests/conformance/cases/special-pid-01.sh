a=$$
b=$(echo $$)
c=$( (echo $$) )
[ "$a" = "$b" ] && [ "$a" = "$c" ] && echo same
case $$ in ''|*[!0-9]*) echo bad;; *) echo numeric;; esac
