trap "echo bye" EXIT
command trap -z
echo "status $?"
