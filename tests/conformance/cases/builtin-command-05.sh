command exit 3
echo not reached
