cat < nosuchfile
echo status $?
