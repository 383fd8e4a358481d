set -u
echo $((1 + 1))
(echo ${undefined}x) 2>/dev/null || echo failed
echo status $?
