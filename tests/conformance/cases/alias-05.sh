alias nosuch 2>/dev/null
echo status $?
unalias nosuch 2>/dev/null
echo status $?
