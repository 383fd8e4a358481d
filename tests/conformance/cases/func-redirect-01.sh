f() { echo out; echo err >&2; }
f 2>/dev/null >out
cat out
