hash ls
echo "status $?"
hash -r
echo "status $?"
