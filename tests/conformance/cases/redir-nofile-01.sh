echo hi > nodir/file
echo status $?
