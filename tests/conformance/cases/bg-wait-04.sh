(exit 3) & p1=$!
(exit 5) & p2=$!
wait $p1; echo $?
wait $p2; echo $?
