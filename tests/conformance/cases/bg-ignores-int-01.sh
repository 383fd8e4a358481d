# without job control, asynchronous lists ignore SIGINT and SIGQUIT
grep '^SigIgn:' /proc/self/status > bg &
wait
m=$(sed 's/^SigIgn:[[:space:]]*//' bg)
echo $(( 0x$m & 6 ))
