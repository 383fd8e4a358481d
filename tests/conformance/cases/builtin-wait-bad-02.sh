sleep 0.1 &
p=$!
wait "$p" nonsense
echo "$?"
wait "$p"
echo "$?"
