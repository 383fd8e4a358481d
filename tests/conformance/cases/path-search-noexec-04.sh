printf 'read line\necho "got $line"\necho err >&2\n' >s
chmod +x s
echo input | ./s 2>/dev/null
./s <<END >out 2>&1
hello
END
cat out
