(exit 2) &
p=$!
sleep 0.2
wait $p
echo $?
