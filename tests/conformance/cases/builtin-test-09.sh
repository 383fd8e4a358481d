test 1 -eq a 2>/dev/null
echo status $?
