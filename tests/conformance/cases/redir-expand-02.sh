touch one
x='a b'
echo hi > "$x"
cat "a b"
