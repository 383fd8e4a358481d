f() { echo a | while read -r x; do return 4; done; echo after-loop $?; }
f
