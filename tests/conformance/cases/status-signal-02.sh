sh -c 'kill -TERM $$'
echo $?
sh -c 'kill -INT $$'
echo $?
