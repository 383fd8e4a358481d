PATH=
echo builtin-still-works
ls 2>/dev/null
echo $?
