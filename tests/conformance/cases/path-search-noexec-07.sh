printf 'exit 3\n' >s
chmod +x s
set -e
./s || echo "failed with $?"
./s
echo not reached
