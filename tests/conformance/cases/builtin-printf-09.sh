printf '%d\n' abc 2>/dev/null
echo status $?
