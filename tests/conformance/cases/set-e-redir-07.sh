set -e
if true; then echo t; fi </nonexistent/file
echo not reached
