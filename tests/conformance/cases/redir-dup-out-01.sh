{ echo to-stderr >&2; } 2>&1
echo x 1>&2 2>/dev/null
