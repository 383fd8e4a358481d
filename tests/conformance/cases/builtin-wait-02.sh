(sleep 0.1; exit 9) &
wait $!
echo $?
