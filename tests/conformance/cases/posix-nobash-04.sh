declare x=1 2>/dev/null
echo "status $?"
typeset y=1 2>/dev/null
echo "status $?"
