jobs
echo status $?
