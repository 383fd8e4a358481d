x=1
unset -v x
echo "[${x-unset}]"
unset nonexistent
echo status $?
