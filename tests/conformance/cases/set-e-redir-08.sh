{ echo in; } >/nonexistent/dir/file
echo "status $?"
for i in 1; do :; done >/nonexistent/dir/file
echo "status $?"
