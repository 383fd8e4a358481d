command -v echo
command -v ls
command -v nosuchcmd_xyz
echo status $?
