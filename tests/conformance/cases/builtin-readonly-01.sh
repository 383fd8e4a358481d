readonly R=fixed
echo $R
(R=changed) 2>/dev/null
echo status $?
echo $R
