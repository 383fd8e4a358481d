sleep 0.3 && echo late &
echo early
wait
