hash -r
hash
echo "listing status $?"
type hash
