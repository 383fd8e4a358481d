sh -c 'exit 3'
echo $?
sh -c 'exit 255'
echo $?
