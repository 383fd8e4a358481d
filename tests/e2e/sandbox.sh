#!/bin/sh
# sandbox.sh - end-to-end tests of libsandbox through tests/helpers/sandbox_run:
# escape attempts that must fail and leave no trace on the host, tracing
# accuracy, effects, exit statuses, pipelines. Runs as root and as the
# unprivileged user (tests/run-tests.sh does both).
set -u
: "${BUILD:?BUILD must point at the build directory}"
H=$BUILD/tests/helpers
RUN=$H/sandbox_run
ESC=$H/sandbox_escape
PY=/usr/bin/python3

fails=0
t=$(mktemp -d "${TMPDIR:-/tmp}/sbx-e2e.XXXXXX")
ws=$t/ws
mkdir -p "$ws"
bg=""
cleanup() {
	[ -n "$bg" ] && kill $bg 2>/dev/null
	chmod -R u+rwx "$t" 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT

ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
check() { # check NAME COMMAND...: COMMAND must succeed
	name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
# in the sandbox, in the workspace
sbx() { (cd "$ws" && "$RUN" "$@"); }
# escape ATTEMPT [ARG]: the helper must report "blocked"
# (LeakSanitizer needs ptrace, which the sandbox refuses: a SANITIZE=1 build
# of the helper runs without leak detection inside.)
escape() {
	out=$(sbx -- env ASAN_OPTIONS=detect_leaks=0 "$ESC" "$@" 2>&1)
	st=$?
	case "$st:$out" in
	0:blocked*) ok "escape $1 blocked ($out)" ;;
	*) bad "escape $1: status $st: $out" ;;
	esac
}

# ---- escape attempts ---------------------------------------------------------
tag=shark-escape-$$
for p in /etc/$tag "$HOME/$tag" /var/tmp/$tag; do
	sbx -- env ASAN_OPTIONS=detect_leaks=0 "$ESC" write "$p" >/dev/null 2>&1
	check "no write to $p on the host" test ! -e "$p"
done

port_file=$t/port
"$PY" - "$port_file" <<'EOF' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.settimeout(180)
try:
    c, _ = s.accept()
    open(sys.argv[1] + ".hit", "w").write("connected")
    c.recv(1)
    c.send(b"y")
except Exception:
    pass
EOF
lpid=$!
i=0
while [ ! -s "$port_file" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
escape tcp "$(cat "$port_file")"
check "listener saw no connection" test ! -e "$port_file.hit"
# With the network granted, the same attempt connects (the test can fail).
out=$(sbx -n -- env ASAN_OPTIONS=detect_leaks=0 "$ESC" tcp "$(cat "$port_file")" 2>&1)
case "$out" in ESCAPED*) ok "network grant reaches the host" ;; *) bad "network grant: $out" ;; esac
kill $lpid 2>/dev/null
wait $lpid 2>/dev/null

sleep 60 &
bg=$!
escape kill $bg
escape ptrace $bg
escape environ $bg
check "host process still alive" kill -0 $bg
kill $bg
wait $bg 2>/dev/null
bg=""

escape mount
escape unshare
escape mknod
escape io_uring
escape keyctl
escape bpf
escape chroot
escape tiocsti
escape sysctl

# A device node outside /dev (only root can make one on the host) cannot be
# opened inside: every mount but our /dev is nodev.
if [ "$(id -u)" -eq 0 ]; then
	# (not under /tmp, which is a fresh tmpfs inside)
	devdir=$(mktemp -d /var/tmp/sbx-dev.XXXXXX)
	mknod "$ws/devnode" c 1 3
	mknod "$devdir/devnode" c 1 3
	out=$(sbx -- sh -c "test -c '$devdir/devnode' && echo seen; echo x > devnode && echo opened; echo x > '$devdir/devnode' && echo opened" 2>/dev/null)
	check "device nodes outside /dev do not open ($out)" test "$out" = seen
	rm -rf "$ws/devnode" "$devdir"
fi

# Host daemons' unix sockets under /run are out of reach (root can make one).
if [ "$(id -u)" -eq 0 ]; then
	rdir=$(mktemp -d /run/sbx-sock.XXXXXX)
	"$PY" - "$rdir/sock" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
s.settimeout(60)
try:
    c, _ = s.accept()
    open(sys.argv[1] + ".hit", "w").write("connected")
except Exception:
    pass
EOF
	spid=$!
	i=0
	while [ ! -S "$rdir/sock" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	sbx -- "$PY" -c "import socket; socket.socket(socket.AF_UNIX).connect('$rdir/sock')" 2>/dev/null
	check "no connection to a host socket in /run" test ! -e "$rdir/sock.hit"
	sbx -n -- "$PY" -c "import socket; socket.socket(socket.AF_UNIX).connect('$rdir/sock')" 2>/dev/null
	sleep 0.2
	check "...which the network grant does reach" test -e "$rdir/sock.hit"
	kill $spid 2>/dev/null
	wait $spid 2>/dev/null
	rm -rf "$rdir"
fi

# The store: read-only inside, even when it lies inside the workspace.
store=$ws/.store
mkdir -p "$store"
echo original >"$store/blob"
sbx -r "$store" -- sh -c "echo changed > '$store/blob'; rm -f '$store/blob'; echo new > '$store/new'" 2>/dev/null
check "store blob unchanged" grep -qx original "$store/blob"
check "store got no new file" test ! -e "$store/new"
out=$(sbx -r "$store" -e "$t/fx" -- sh -c "echo x > '$store/new2'" 2>&1)
check "store write not an effect" sh -c "! grep -q new2 '$t/fx'"

# Symlinks in the workspace cannot redirect writes outside it.
outside=$t/outside
mkdir -p "$outside"
ln -s "$outside" "$ws/out"
sbx -A -- sh -c 'echo x > out/f; ln -s /etc etc-link; echo y > etc-link/shark-x' 2>/dev/null
check "no write through a pre-existing symlink" test ! -e "$outside/f"
check "no write through a new symlink" test ! -e /etc/shark-x
rm -f "$ws/out" "$ws/etc-link"

# The scratch dir is hidden inside the sandbox.
mkdir -p "$t/scr"
out=$(sbx -s "$t/scr" -- sh -c "ls -A '$t/scr' | wc -l" 2>&1)
check "scratch dir hidden (saw $out entries)" test "$out" = 0

# Hidden paths, writable grants, private /tmp, minimal /dev, own /proc.
mkdir -p "$t/secret"
echo s3cret >"$t/secret/key"
out=$(sbx -H "$t/secret" -- sh -c "ls -A '$t/secret'; cat '$t/secret/key'" 2>/dev/null)
check "hidden dir is empty inside" test -z "$out"
mkdir -p "$t/granted"
sbx -W "$t/granted" -e "$t/fx" -- sh -c "echo g > '$t/granted/file'"
check "writable grant reaches the host" grep -qx g "$t/granted/file"
check "writable grant is not an effect" sh -c "! grep -q granted '$t/fx'"
sbx -- sh -c "echo x > /tmp/shark-private-$$"
check "/tmp is private" test ! -e /tmp/shark-private-$$
out=$(sbx -- sh -c 'ls /dev | tr "\n" " "')
check "minimal /dev ($out)" test "$out" = "fd full null random shm stderr stdin stdout urandom zero "
out=$(sbx -- sh -c 'ls /proc | grep -c "^[0-9]"')
check "own /proc shows only the sandbox's processes ($out)" test "$out" -le 4
# pid 1 and its tracer thread (which holds pid 2) come first: the command
# is pid 3, or pid 2 when untraced, on every run.
out=$(sbx -- sh -c 'echo $$')
check "the traced command is pid 3 ($out)" test "$out" = 3
out=$(sbx -T -- sh -c 'echo $$')
check "the untraced command is pid 2 ($out)" test "$out" = 2

# Interactive plans see their own terminal (and only it); others see none.
if command -v script >/dev/null 2>&1; then
	out=$(cd "$ws" && script -qec "$RUN -i -- sh -c 'tty; ls /dev/pts | wc -l'" /dev/null </dev/null | tr -d '\r' | tr '\n' ' ')
	case "$out" in
	/dev/pts/*" 1 ") ok "interactive: own terminal only ($out)" ;;
	*) bad "interactive: $out" ;;
	esac
	out=$(cd "$ws" && script -qec "$RUN -- sh -c 'test -e /dev/tty || echo no-tty'" /dev/null </dev/null | tr -d '\r')
	check "non-interactive: no /dev/tty ($out)" test "$out" = no-tty
fi

# Hostname and network namespace.
check "fixed hostname" test "$(sbx -- hostname)" = shark
out=$(sbx -- cat /proc/net/dev | grep -c ':')
check "only loopback ($out interfaces)" test "$out" = 1

# ---- tracing accuracy -------------------------------------------------------
acc=$t/acc
has() { # has KINDLETTER PATH: the access list has PATH with that kind
	grep -q "^[^ ]*$1[^ ]* $2\$" "$acc"
}
echo data >"$ws/in.txt"
sbx -a "$acc" -- cat in.txt >/dev/null
check "cat: read of in.txt" has r "$ws/in.txt"
check "cat: exec of cat" grep -q '^-x.* /usr/bin/cat$' "$acc"

mkdir -p "$ws/sub/deeper"
echo a >"$ws/sub/deeper/leaf"
cat >"$ws/script.sh" <<'EOF'
#!/bin/sh
sh -c 'cat sub/deeper/leaf' >/dev/null
exec head -c1 in.txt
EOF
chmod +x "$ws/script.sh"
sbx -a "$acc" -- ./script.sh >/dev/null
check "script: exec of the script" has x "$ws/script.sh"
check "script: grandchild read" has r "$ws/sub/deeper/leaf"
check "script: exec'd child read" has r "$ws/in.txt"
check "script: exec of head" has x /usr/bin/head
check "script: #! interpreter recorded" has x /bin/sh

sbx -a "$acc" -- find . -name leaf >/dev/null
check "find: listing through dirfds" has l "$ws/sub/deeper"

sbx -a "$acc" -- ls sub >/dev/null
check "ls: listing" has l "$ws/sub"
sbx -a "$acc" -- ls nothere >/dev/null 2>&1
check "ls: absent probe" has a "$ws/nothere"

sbx -a "$acc" -- "$PY" -c 'import json, csv' >/dev/null
check "python: json package read" grep -q '^r.* .*/json/__' "$acc"
check "python: absent probes recorded" grep -q '^[^ ]*a[^ ]* .*python3' "$acc"
check "python: csv read" grep -q '^r.* .*/csv\.py$\|^r.* .*/csv\..*\.pyc$' "$acc"

rm -f "$ws/thread.txt"
echo t >"$ws/thread.txt"
sbx -a "$acc" -- "$PY" -c 'import threading
t = threading.Thread(target=lambda: open("thread.txt").read())
t.start(); t.join()' >/dev/null
check "python: a thread's read recorded" has r "$ws/thread.txt"

sbx -a "$acc" -- sh -c 'echo x > made.txt' >/dev/null
check "write intent recorded" has w "$ws/made.txt"
check "absent before the write" has a "$ws/made.txt"

# ---- effects ---------------------------------------------------------------
fx=$t/fx
echo old >"$ws/over.txt"
echo gone >"$ws/del.txt"
mkdir -p "$ws/dir1"
echo in-dir >"$ws/dir1/f"
echo mode >"$ws/mode.sh"
chmod 644 "$ws/mode.sh"
sbx -A -e "$fx" -- sh -c '
	echo created > new.txt
	echo new > over.txt
	rm del.txt
	mv dir1 dir2
	ln -s new.txt link
	chmod 755 mode.sh' 2>&1
check "effect: create listed" grep -qx 'file 0644 new.txt' "$fx"
check "effect: create applied" grep -qx created "$ws/new.txt"
check "effect: overwrite applied" grep -qx new "$ws/over.txt"
check "effect: delete listed" grep -qx 'delete 0000 del.txt' "$fx"
check "effect: delete applied" test ! -e "$ws/del.txt"
check "effect: renamed dir gone" test ! -e "$ws/dir1"
check "effect: renamed dir content" grep -qx in-dir "$ws/dir2/f"
check "effect: symlink applied" test "$(readlink "$ws/link")" = new.txt
check "effect: chmod listed" grep -qx 'chmod 0755 mode.sh' "$fx"
check "effect: chmod applied" test -x "$ws/mode.sh"
check "effect: content kept on chmod" grep -qx mode "$ws/mode.sh"

# opaque: a directory removed and recreated
mkdir -p "$ws/op"
echo a >"$ws/op/a"
sbx -A -e "$fx" -- sh -c 'rm -r op; mkdir op; echo b > op/b' 2>&1
check "effect: replaced dir listed" grep -q '^opaque 0755 op$\|^dir 0755 op$' "$fx"
check "effect: replaced dir emptied" test ! -e "$ws/op/a"
check "effect: replaced dir filled" grep -qx b "$ws/op/b"

# ---- exit statuses ----------------------------------------------------------
sbx -- no-such-command-xyz 2>/dev/null
check "127 for a missing command" test $? -eq 127
printf 'x\n' >"$ws/noexec"
chmod 644 "$ws/noexec"
sbx -- ./noexec 2>/dev/null
check "126 for a non-executable file" test $? -eq 126
sbx -- sh -c 'exit 3'
check "exit status passes" test $? -eq 3
sbx -- sh -c 'kill -TERM $$'
check "128+signal" test $? -eq 143

# ---- pipelines --------------------------------------------------------------
out=$(sbx -- yes | sbx -- head -n 3 | wc -l)
check "yes | head ends (SIGPIPE)" test "$out" -eq 3
out=$(sbx -- find /usr/share -maxdepth 3 2>/dev/null | sbx -- sh -c 'sleep 1; wc -l')
check "traced stage blocked on a full pipe does not deadlock ($out lines)" test "$out" -gt 100

echo "sandbox e2e: $fails failed"
[ "$fails" -eq 0 ]
