false &
echo $?
