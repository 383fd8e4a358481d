set -u
set -- a
echo $1
echo $2
echo not reached
