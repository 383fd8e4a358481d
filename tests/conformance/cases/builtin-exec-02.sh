exec
echo still running
