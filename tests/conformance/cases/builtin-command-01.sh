command echo via-command
f() { echo func; }
command f 2>/dev/null
echo status $?
