function f { echo no; } 2>/dev/null
echo "status $?"
