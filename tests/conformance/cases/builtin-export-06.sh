export 1bad=x 2>/dev/null
echo status $?
