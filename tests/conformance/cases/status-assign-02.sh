false
x=$(true)
echo $?
