echo x > /dev/null
echo status $?
cat /dev/null
