test -t 0 || echo stdin-not-tty
[ -p /dev/null ] || echo not-fifo
mkfifo p
[ -p p ] && echo fifo
