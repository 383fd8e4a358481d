f() { :; }
type f
type nosuchcmd_xyz >/dev/null 2>&1
echo status $?
