f() { exit 3; }
trap 'echo exiting $?' EXIT
f
