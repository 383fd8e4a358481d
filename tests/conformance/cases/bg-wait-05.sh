wait
echo $?
