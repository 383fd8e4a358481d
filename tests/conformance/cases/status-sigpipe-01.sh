yes | head -n 1 > /dev/null
echo $?
(yes | head -n 1 >/dev/null; echo sub $?)
