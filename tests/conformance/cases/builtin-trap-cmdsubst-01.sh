trap 'echo trap-out' EXIT
x=$(echo inner)
echo "$x"
