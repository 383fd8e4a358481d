f() { echo func-out; }
echo "$(f)"
