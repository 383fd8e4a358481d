printf 'echo not executable\n' >s
./s 2>/dev/null
echo "status $?"
