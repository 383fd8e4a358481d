echo a | { read x; echo "$x$x"; } | { read y; echo "[$y]"; }
