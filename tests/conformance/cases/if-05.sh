if (exit 4); then :; fi
echo $?
if true; then (exit 6); fi
echo $?
