sleep 10 &
kill -s KILL $!
wait $!
echo $?
