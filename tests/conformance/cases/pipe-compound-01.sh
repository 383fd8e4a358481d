{ echo b; echo a; } | sort | { read x; read y; echo "$x$y"; }
