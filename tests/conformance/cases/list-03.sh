true; false
echo $?
