#!/bin/sh
# sandbox_escape.sh - the attacks of issue 17 on the void process, through the
# built shark the way a user would type them: each must leave the host, the
# store and later replays untouched. Runs as root and as the unprivileged
# user (tests/run-tests.sh does both); a few checks only mean something as
# root (root inside owns the host's /dev nodes).
. "$(dirname "$0")/../lib/e2e.sh"
PY=/usr/bin/python3
host=$root/host # a host directory outside the workspace
mkdir -p "$host"
uid=$(id -u)

check() { # check NAME COMMAND...: COMMAND must succeed
	checks=$((checks + 1))
	name=$1
	shift
	"$@" || fail "$name"
}

# ---- 1. host writes through the command's stdin descriptor ------------------
# A directory on stdin: writing below it through the magic link, or with
# openat(0, ...), must not reach the host.
sk "sh -c 'echo pwned > /proc/self/fd/0/probe1' < '$host'"
check "no write through /proc/self/fd/0 of a directory" test ! -e "$host/probe1"
sk "sh -c '$PY -c \"import os; os.close(os.open(\\\"probe2\\\", os.O_CREAT | os.O_WRONLY, dir_fd=3))\" 3<&0 </dev/null' < '$host'"
check "no openat(0, O_CREAT) below a directory on stdin" test ! -e "$host/probe2"
if [ "$uid" -eq 0 ]; then
	sk "sh -c 'echo pwned > /proc/self/fd/0/etc/shark-probe-$$' < /"
	check "no /etc write through / on stdin" test ! -e "/etc/shark-probe-$$"
	rm -f "/etc/shark-probe-$$"
fi
# A directory on stdin still reads as one.
sk 'cat < /'
same_as_dash "cat of a directory on stdin" 'cat < /'

# A read-only host file on stdin: chmod through the fd and reopening it for
# writing must fail, its bytes and mode stay.
printf 'host-bytes\n' >"$host/ro.txt"
chmod 0444 "$host/ro.txt"
sk "$PY -c 'import os; os.chmod(\"/proc/self/fd/0\", 0o666); open(\"/proc/self/fd/0\", \"r+\").write(\"EVIL\")' < '$host/ro.txt'"
check "read-only host file on stdin keeps its bytes" [ "$(cat "$host/ro.txt")" = host-bytes ]
check "read-only host file on stdin keeps its mode" [ "$(stat -c %a "$host/ro.txt")" = 444 ]
# A workspace file on stdin: rewriting it through the fd would bypass the
# overlay (no effect recorded, the host file changed).
printf 'ws-bytes\n' >w.txt
sk "$PY -c 'open(\"/proc/self/fd/0\", \"r+\").write(\"EVIL\")' < w.txt"
check "workspace file on stdin is not rewritten behind the overlay" [ "$(cat w.txt)" = ws-bytes ]
# The offset still moves as in sh: each head reads on where the last stopped.
printf 'line1\nline2\nline3\n' >lines
sk '{ head -n 1; head -n 1; } < lines'
same_as_dash "stdin offset carried back" '{ head -n 1; head -n 1; } < lines'
printf 'other1\nother2\nother3\n' >lines2
sk '{ head -n 1 >/dev/null; cat; } < lines2'
same_as_dash "stdin offset carried back, then read to the end" '{ head -n 1 >/dev/null; cat; } < lines2'

# ---- 2. store poisoning through the upstream blob on stdin -------------------
printf 'good1\ngood2\n' >in.txt
sk 'cat in.txt | cat'
sk 'cat in.txt | cat'; expect_hit "upstream cached"
sk "cat in.txt | $PY -c 'import os; os.chmod(\"/proc/self/fd/0\", 0o644); f = open(\"/proc/self/fd/0\", \"r+\"); f.write(\"EVIL1\"); f.close()'"
check "the upstream blob on stdin cannot be rewritten" [ "$st" -ne 0 ]
check "no object in the store holds the attacker's bytes" sh -c "! grep -rqs EVIL1 '$store/objects'"
sk 'cat in.txt'
expect_hit "replay after the attempt"
expect_out "replay after the attempt is the right bytes" "good1
good2"

# ---- 5. reads hidden behind /proc magic links --------------------------------
# Each is a read of in5.txt: a changed in5.txt must make the next run miss.
n=0
for c in 'cat /proc/self/cwd/in5.txt' "cat /proc/self/root$ws/in5.txt" \
	"sh -c 'cat /proc/\$\$/cwd/in5.txt'" "sh -c 'exec 3< .; cat /proc/self/fd/3/in5.txt'" \
	"sh -c 'cat /proc/thread-self/cwd/in5.txt'" "sh -c 'cat /proc/\$\$/task/\$\$/root$ws/./in5.txt'"; do
	n=$((n + 1))
	echo "one $n" >in5.txt
	sk "$c"; sk "$c"; expect_hit "$c warm"
	echo "two $n" >in5.txt
	sk "$c"; expect_miss "$c after in5.txt changed"; expect_out "$c fresh" "two $n"
done

# ---- 6. kill(0, SIGTERM) must not reach the caller's process group ----------
# (in a session of its own, so that a failure does not kill this script)
setsid -w sh -c "\"\$SHARK\" -c \"$PY -c 'import os, signal; os.kill(0, signal.SIGTERM)'; echo shark-survived\"; echo caller-survived" \
	>"$root/k.out" 2>&1 </dev/null
# (the command itself dies of it, which shark says as dash does)
check "kill(0) inside spares shark and its caller" [ "$(cat "$root/k.out")" = "Terminated
shark-survived
caller-survived" ]
# Ctrl-C still stops the command promptly: the terminal signals shark's
# group, pid 1 passes it on to the command's own group (shark traps it to
# stay alive, so only the pass-on can end the sleep).
"$PY" - "$SHARK" >"$root/c.out" 2>&1 <<'EOF'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "-c",
             'trap "echo trapped" INT; sleep 60 </dev/null; echo after'])
time.sleep(2)
t0 = time.time()
os.write(fd, b"\x03")
out = b""
while True:
    r, _, _ = select.select([fd], [], [], 30)
    if not r:
        break
    try:
        d = os.read(fd, 1024)
    except OSError:
        break
    if not d:
        break
    out += d
os.waitpid(pid, 0)
print("fast" if time.time() - t0 < 10 else "slow", out.decode(errors="replace").replace("\r", "").replace("\n", "|"))
EOF
check "Ctrl-C stops the command promptly [$(cat "$root/c.out")]" grep -q '^fast .*trapped|after|' "$root/c.out"
# ^Z stops the command too (it is in a group of its own, which pid 1 passes
# the terminal's SIGTSTP on to), and SIGCONT resumes it: its sleep ends only
# after the 3 s it was stopped.
"$PY" - "$SHARK" >"$root/z.out" 2>&1 <<'EOF'
import os, pty, re, select, signal, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "-f", "-c", 'sh -c "sleep 2; date +%s.%N" </dev/null'])
t0 = time.time()
time.sleep(1)
os.write(fd, b"\x1a")
time.sleep(3)
os.kill(-pid, signal.SIGCONT)
out = b""
while True:
    r, _, _ = select.select([fd], [], [], 30)
    if not r:
        break
    try:
        d = os.read(fd, 1024)
    except OSError:
        break
    if not d:
        break
    out += d
os.waitpid(pid, 0)
ends = re.findall(r"\d{9,}\.\d+", out.decode(errors="replace"))
print("stopped" if ends and float(ends[-1]) - t0 > 3.5 else "ran-on", ends)
EOF
check "^Z stops the command [$(cat "$root/z.out")]" grep -q '^stopped' "$root/z.out"
# SIGINT sent to shark's process group by a process (kill -INT -PGID).
t0=$(date +%s)
setsid "$SHARK" -c 'trap "echo trapped" INT; sleep 60; echo after' >"$root/i.out" 2>&1 </dev/null &
spid=$!
sleep 2
kill -INT -"$spid"
wait "$spid"
t1=$(date +%s)
check "SIGINT to shark's group stops the command promptly" [ $((t1 - t0)) -lt 20 ]
check "SIGINT to shark's group: shark goes on [$(cat "$root/i.out")]" grep -q after "$root/i.out"

# ---- 7. host /dev nodes must not change ------------------------------------
before=$(stat -c '%a %Y' /dev/null /dev/full)
sk 'chmod 0600 /dev/full; touch -d 2001-01-01 /dev/null /dev/full'
sk 'chmod 0600 /proc/self/fd/0' </dev/full
sk 'echo still-writable > /dev/null && echo ok'
expect_out "a device on a read-only bind is still writable" ok
# Other devices on stdio are refused with a message (as root: a disk).
if [ "$uid" -eq 0 ] && [ -b /dev/loop0 ]; then
	sk 'cat < /dev/loop0'
	check "a block device on stdin is refused [$st: $err]" sh -c "[ $st -eq 126 ] && printf '%s' \"\$1\" | grep -q 'is a device'" - "$err"
fi
sk 'od -An -N4 -tx1 < /dev/urandom | wc -w'
expect_out "null-like devices on stdin still work" 4
after=$(stat -c '%a %Y' /dev/null /dev/full)
check "host /dev nodes keep mode and times [$before] [$after]" [ "$before" = "$after" ]
[ "$uid" -eq 0 ] && [ "$before" != "$after" ] && chmod 0666 /dev/null /dev/full

# ---- 9. socket families without the network grant --------------------------
sk "$PY -c '
import socket
for fam in (\"AF_VSOCK\", \"AF_ALG\", \"AF_PACKET\", \"AF_BLUETOOTH\"):
    try:
        socket.socket(getattr(socket, fam), socket.SOCK_DGRAM if fam != \"AF_ALG\" else socket.SOCK_SEQPACKET)
        print(fam, \"created\")
    except OSError as e:
        print(fam, e.errno)
s = socket.socket(socket.AF_INET6); s.bind((\"::1\", 0)); print(\"inet6 ok\")
a, b = socket.socketpair(); print(\"unix ok\")
'"
expect_out "only unix, inet, inet6, netlink sockets" "AF_VSOCK 97
AF_ALG 97
AF_PACKET 97
AF_BLUETOOTH 97
inet6 ok
unix ok"

# ---- 12. resource limits ----------------------------------------------------
# The wall-clock limit kills the run; it is not recorded and the user is told.
t0=$(date +%s)
SHARK_TIMEOUT=1 sk "sh -c 'sleep 8; echo slow'"
t1=$(date +%s)
check "SHARK_TIMEOUT kills the run [$((t1 - t0)) s]" [ $((t1 - t0)) -lt 6 ]
check "SHARK_TIMEOUT: status 137 [$st]" [ "$st" -eq 137 ]
check "SHARK_TIMEOUT: the user sees why [$err]" sh -c "printf '%s' \"\$1\" | grep -q 'wall-clock limit'" - "$err"
SHARK_TIMEOUT=1 sk "sh -c 'sleep 8; echo slow'"
expect_miss "a run killed at the limit was not recorded"
# A limit that does not parse stops the command, with a message.
SHARK_TIMEOUT=soon sk 'ls /'
check "a bad SHARK_TIMEOUT is refused [$st: $err]" sh -c "[ $st -ne 0 ] && printf '%s' \"\$1\" | grep -q 'SHARK_TIMEOUT=soon'" - "$err"
expect_out "a bad SHARK_TIMEOUT runs nothing" ""
# tmpfs sizes: writes beyond them fail; the defaults are bounded.
SHARK_TMP_SIZE=1m sk "sh -c 'head -c 2000000 /dev/zero > /tmp/big || echo full; df -k /dev/shm /run | tail -2 | awk \"{print \\\$2}\"'"
expect_out "SHARK_TMP_SIZE bounds /tmp, /dev/shm and /run have their defaults" "full
262144
65536"
SHARK_SHM_SIZE=2m SHARK_RUN_SIZE=1m sk "df -k /dev/shm /run | tail -2 | awk '{print \$2}'"
expect_out "SHARK_SHM_SIZE and SHARK_RUN_SIZE" "2048
1024"
# The number of processes: RLIMIT_NPROC for a user, the pid namespace's
# pid_max for root (which RLIMIT_NPROC exempts; it allows up to 300 more).
SHARK_MAX_PROCS=20 sk "sh -c 'for i in \$(seq 400); do sleep 2 & done; wait; echo all-started' 2>&1"
check "SHARK_MAX_PROCS stops a fork bomb [$out]" sh -c "printf '%s' \"\$1\" | grep -q 'fork'" - "$out"

# ---- 13. a SHARK_WRITABLE grant that holds the store ------------------------
# (SHARK_WRITABLE=$HOME with the store in ~/.cache.) The store stays
# read-only and its hash key unreadable inside: the grant is mounted first.
SHARK_WRITABLE=$root sk "sh -c 'wc -c < $store/key; echo x >> $store/poison && echo wrote'"
check "a grant holding the store leaves its key hidden and the store read-only [$out]" \
	[ "$out" = 0 ]
check "a grant holding the store: nothing written into it" test ! -e "$store/poison"

# ---- 14. scratch dirs outside the store, under a granted $TMPDIR -------------
# (The store inside the workspace puts the runs' scratch dirs under
# $TMPDIR, which a $TMPDIR outside /tmp grants writable.) No run's overlay
# layers or result, its own or another's, may show there.
mkdir -p "$root/tmpd" "$ws/.store-in"
TMPDIR=$root/tmpd SHARK_STORE=$ws/.store-in sk "sh -c 'echo x > scr.txt; ls -A \$TMPDIR \$TMPDIR/* 2>&1 | grep -c -e run. -e result -e upper'"
check "a granted \$TMPDIR shows no scratch dir [$out] $err" [ "$out" = 0 ]
rm -rf "$ws/.store-in" "$ws/scr.txt"

finish
