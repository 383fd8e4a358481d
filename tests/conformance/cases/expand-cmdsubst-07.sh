x=$(exit 3)
echo $?
x=$(false; true)
echo $?
