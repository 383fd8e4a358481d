read x < /dev/null
echo status $?
echo "[$x]"
