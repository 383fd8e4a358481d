set -e
echo start
{ echo in; } >/nonexistent/dir/file
echo not reached
