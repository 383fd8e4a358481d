sleep 0.1 & sleep 0.1 &
wait
echo all done
