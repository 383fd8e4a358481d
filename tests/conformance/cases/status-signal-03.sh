sh -c 'kill -HUP $$' | cat
echo $?
