set -e
while false; do :; done </nonexistent/file
echo not reached
