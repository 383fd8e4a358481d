echo
echo a b   c
echo -n no-newline
echo
