./nosuchprog 2>/dev/null
echo $?
nosuchprog_abc 2>/dev/null || echo "status $?"
