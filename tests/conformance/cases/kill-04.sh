kill -0 $$ && echo alive
kill 999999 2>/dev/null
echo status $?
