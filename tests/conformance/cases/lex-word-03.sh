echo a{b}c
echo -- -n
