trap '' INT
kill -INT $$
echo ignored
