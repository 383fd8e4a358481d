trap 'echo in-trap $?; exit 9' EXIT
exit 4
