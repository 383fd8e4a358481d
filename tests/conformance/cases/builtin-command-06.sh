readonly R=1
command eval 'R=2' 2>/dev/null
echo still alive $?
