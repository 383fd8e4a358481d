touch file
cd file 2>/dev/null || echo failed
