readonly R=1
(unset R) 2>/dev/null
echo status $?
