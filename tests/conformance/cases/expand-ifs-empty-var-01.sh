x=
printf '<%s>' $x; echo
printf '<%s>' "$x"; echo
printf '<%s>' $x$x x$x; echo
