PATH=/nonexistent
ls 2>/dev/null
echo $?
