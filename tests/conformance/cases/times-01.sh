times | wc -l | tr -d ' '
echo status $?
