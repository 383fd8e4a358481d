cat &
wait
echo done
