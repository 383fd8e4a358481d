touch .a a.b ab
echo *.* .* 2>/dev/null | tr ' ' '\n' | grep -v '^\.\.\{0,1\}$' | tr '\n' ' '
echo
