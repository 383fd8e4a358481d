# without job control, asynchronous lists ignore SIGINT and SIGQUIT
f=${TMPDIR:-/tmp}/bg-ignores-int.$$
grep '^SigIgn:' /proc/self/status > "$f" &
wait
read -r _ m < "$f"
rm -f "$f"
echo $(( 0x$m & 6 ))
