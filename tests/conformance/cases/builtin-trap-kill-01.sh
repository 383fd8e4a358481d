trap "echo x" KILL
echo "$?"
trap "echo y" STOP
echo "$?"
trap
trap - KILL
trap
