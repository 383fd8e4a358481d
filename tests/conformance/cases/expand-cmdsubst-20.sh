a=$(printf 'x\n')
b=$(printf 'x')
[ "$a" = "$b" ] && echo trailing-newline-stripped
