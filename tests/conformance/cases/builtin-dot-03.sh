. ./nosuch.sh
echo not reached
