exec 2>&1
set -x
echo hello
: colon
