set -e
echo x >/nonexistent/dir/file
echo not reached
