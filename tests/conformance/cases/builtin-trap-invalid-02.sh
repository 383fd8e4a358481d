trap "echo bye" EXIT
trap -l
echo "not reached"
