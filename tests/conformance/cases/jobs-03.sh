jobs %9
echo jobs=$?
wait %9
echo wait=$?
kill %9
echo kill=$?
sleep 1 &
jobs %+ >/dev/null
echo found=$?
kill %1
wait
