set -e
for i in 1 2; do echo $i; done >/nonexistent/dir/file
echo not reached
