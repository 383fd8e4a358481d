cat < .
echo status $?
