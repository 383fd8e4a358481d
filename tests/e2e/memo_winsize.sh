#!/bin/sh
# memo_winsize.sh - a terminal's window size is an input of the runs that
# ask for it (TIOCGWINSZ: `ls` laying out its columns, `stty size`, `tput
# cols`, python's os.get_terminal_size): after the window is resized they
# run again (they used to replay the old size's output), back at the old
# size they hit again, and their output is bash's at each size; a run that
# never asks still hits at another size.
. "$(dirname "$0")/../lib/e2e.sh"

# at COLS PROGRAM CMD: PROGRAM -c CMD on a pseudo-terminal COLS columns wide
# (stdin, stdout and stderr); the screen in $out, without the hit notices
# (whether there was one in $hit).
at() {
	SHARK_NOTICES=1 python3 - "$1" "$2" "$3" >"$root/screen" 2>&1 <<'EOF'
import fcntl, os, pty, struct, sys, termios
cols, prog, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    os.execvp(prog, [prog, "-c", cmd])
out = b""
while True:
    try:
        d = os.read(fd, 65536)
    except OSError:
        break
    if not d:
        break
    out += d
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
EOF
	hit=no
	grep -q '^shark: cached' "$root/screen" && hit=yes
	out=$(grep -v '^shark: cached' "$root/screen")
}

# same NAME COLS CMD WANT_HIT: CMD under shark at COLS columns prints what
# bash prints there, and hits (yes) or runs (no)
same() {
	at "$2" bash "$3"
	want=$out
	at "$2" "$SHARK" "$3"
	checks=$((checks + 1))
	[ "$out" = "$want" ] || fail "$1: [$out], bash: [$want]"
	checks=$((checks + 1))
	[ "$hit" = "$4" ] || fail "$1: hit=$hit, expected $4"
}

i=1
while [ $i -le 30 ]; do : >"file_number_$i"; i=$((i + 1)); done

same ls-200-first 200 ls no
same ls-200-again 200 ls yes
same ls-60-after-resize 60 ls no
same ls-60-again 60 ls yes
same ls-200-back 200 ls yes
same stty-200 200 'stty size' no
same stty-80 80 'stty size' no
# stty is a live command (memo_stty.sh): it runs every time
same stty-80-again 80 'stty size' no
same tput-120 120 'TERM=xterm tput cols' no
same tput-90 90 'TERM=xterm tput cols' no
same python-100 100 'python3 -c "import os; print(os.get_terminal_size().columns)"' no
same python-70 70 'python3 -c "import os; print(os.get_terminal_size().columns)"' no
# a command that does not ask is not keyed on the size
same cat-200 200 'cat file_number_1; echo plain' no
same cat-50 50 'cat file_number_1; echo plain' yes

echo "memo_winsize: $((checks - failures))/$checks checks passed"
[ "$failures" -eq 0 ]
