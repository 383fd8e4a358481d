sh -c 'kill -USR1 $$' &
wait $!
echo $?
