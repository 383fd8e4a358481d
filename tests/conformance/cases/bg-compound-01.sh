{ sleep 0.1; echo sub-done; } &
wait
for i in 1 2; do echo $i; done &
wait
