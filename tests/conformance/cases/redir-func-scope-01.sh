f() { echo a; echo b >&2; }
f 2>/dev/null
f 2>&1 | sort
