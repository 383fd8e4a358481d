#!/bin/sh
# memo_devtty.sh - opening /dev/tty without using it does not make a run
# unrecordable (bash opens and closes it at start-up: every bash script
# typed at a prompt used to run again); any use of it does: a read, an
# ioctl, a dup, a reopen through /proc/self/fd, an fd a child inherits and
# reads, one passed over a socket.
. "$(dirname "$0")/../lib/e2e.sh"

# tty SCRIPT [INPUT]: run shark -c SCRIPT with a pseudo-terminal as stdin,
# stdout and stderr, and as controlling terminal (script(1)); the screen
# lands in $out.
tty() {
	printf '%s' "${2:-}" | SHARK_NOTICES=1 script -qec "$SHARK -c '$1'" /dev/null \
		>"$root/screen" 2>&1
	st=$?
	out=$(tr -d '\r' <"$root/screen")
}

# hit NAME SCRIPT [INPUT]: SCRIPT's second run is served from the store
hit() {
	tty "$2" "${3:-}"
	tty "$2" "${3:-}"
	checks=$((checks + 1))
	case $out in *"shark: cached"*) ;; *) fail "$1: not served from the store: [$out]" ;; esac
}

# miss NAME SCRIPT [INPUT]: SCRIPT runs again every time
miss() {
	tty "$2" "${3:-}"
	tty "$2" "${3:-}"
	checks=$((checks + 1))
	case $out in *"shark: cached"*) fail "$1: a run that used the terminal was replayed: [$out]" ;; esac
}

hit devtty-bash 'bash -c "echo hi"'
checks=$((checks + 1))
case $out in *hi*) ;; *) fail "devtty-bash-out: [$out]" ;; esac
hit devtty-open-close 'python3 -c "import os; os.close(os.open(\"/dev/tty\", os.O_RDWR)); print(1)"'

miss devtty-read 'bash -c "read x </dev/tty; echo got \$x"' 'typed
'
checks=$((checks + 1))
case $out in *"got typed"*) ;; *) fail "devtty-read-out: the read did not get the line typed: [$out]" ;; esac
miss devtty-ioctl 'bash -c "stty size </dev/tty"'
miss devtty-ioctl-py 'python3 -c "import os, fcntl, termios; fd = os.open(\"/dev/tty\", os.O_RDWR); fcntl.ioctl(fd, termios.TIOCGWINSZ, bytes(8)); print(2)"'
miss devtty-dup 'python3 -c "import os; fd = os.open(\"/dev/tty\", os.O_RDWR); os.dup(fd); print(3)"'
miss devtty-write 'python3 -c "import os; fd = os.open(\"/dev/tty\", os.O_RDWR); os.write(fd, b\"x\\n\")"'
miss devtty-proc-fd 'python3 -c "import os; fd = os.open(\"/dev/tty\", os.O_RDWR); os.close(os.open(\"/proc/self/fd/%d\" % fd, os.O_RDONLY)); print(4)"'
# opened without O_CLOEXEC (libc's open, not os.open), kept at its number
# across an exec, read by the program exec'd
miss devtty-inherit 'python3 -c "import ctypes, os, sys; fd = ctypes.CDLL(None).open(b\"/dev/tty\", 0); os.execv(sys.executable, [sys.executable, \"-c\", \"import os; print(len(os.read(%d, 10)))\" % fd])"' 'abc
'
# passed over a socket: the copy arrives at a number the filter does not watch
miss devtty-scm-rights 'python3 -c "import os, socket; a, b = socket.socketpair(); fd = os.open(\"/dev/tty\", os.O_RDWR); socket.send_fds(a, [b\"x\"], [fd]); print(len(socket.recv_fds(b, 1, 1)[1]))"'

# fd 0 read another way than a read: a copy of it (os.dup is fcntl
# F_DUPFD_CLOEXEC 0), Linux AIO on it and on /dev/tty (io_submit's fds are
# in memory the filter cannot see)
miss devtty-dup0 'python3 -c "import os; fd = os.dup(0); print(\"dup0\", os.read(fd, 100))"' 'first
'
checks=$((checks + 1))
case $out in *"dup0 b'first"*) ;; *) fail "devtty-dup0-out: [$out]" ;; esac
miss devtty-dup2-0 'python3 -c "import os; os.dup2(0, 5); print(\"dup2\", os.read(5, 100))"' 'x
'
cat >aio.py <<'EOF2'
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open("/dev/tty", os.O_RDWR) if sys.argv[1] == "tty" else 0
ctx = ctypes.c_ulong(0)
assert libc.syscall(206, 1, ctypes.byref(ctx)) == 0  # io_setup (x86-64)
buf = ctypes.create_string_buffer(64)
iocb = ctypes.create_string_buffer(struct.pack("QIiHhIQQqQII", 0, 0, 0, 0, 0, fd,
                                               ctypes.addressof(buf), 63, 0, 0, 0, 0), 64)
cbs = (ctypes.c_void_p * 1)(ctypes.addressof(iocb))
assert libc.syscall(209, ctx, 1, cbs) == 1  # io_submit
ev = ctypes.create_string_buffer(32)
assert libc.syscall(208, ctx, 1, 1, ev, None) == 1  # io_getevents
print("aio got", buf.value.split(b"\n")[0].decode())
EOF2
if [ "$(uname -m)" = x86_64 ]; then
	miss devtty-aio-tty 'python3 aio.py tty' 'first
'
	checks=$((checks + 1))
	case $out in *"aio got first"*) ;; *) fail "devtty-aio-tty-out: [$out]" ;; esac
	miss devtty-aio-0 'python3 aio.py 0' 'first
'
fi
# the shells save fd 0 at 10 or above around a builtin's redirection (and
# the pyenv shims do it): not a use
hit devtty-save0 'bash -c "read x </dev/null; echo saved"'

# A directory fd in the tracer's range (1008-1023) still gives path lookups
# that are inputs: a file appearing there makes the run again.
look='python3 -c "import os
os.dup2(os.open(\"sub\", os.O_PATH), 1010)
try:
    os.stat(\"late\", dir_fd=1010); print(\"present\")
except FileNotFoundError:
    print(\"absent\")"'
mkdir sub
hit devtty-dirfd "$look"
touch sub/late
tty "$look"
checks=$((checks + 1))
case $out in *present*) ;; *) fail "devtty-dirfd-input: a lookup from a dirfd at 1010 was not an input: [$out]" ;; esac

# Whether the open succeeds is part of what the run saw: with the terminal
# on stdin but no controlling terminal (setsid), it fails, and a run
# recorded where it succeeded must not be replayed there.
probe='python3 -c "import os
try:
    os.close(os.open(\"/dev/tty\", os.O_RDWR)); print(\"opened\")
except OSError as e:
    print(\"failed\", e.errno)"'
hit devtty-probe "$probe"
printf '' | SHARK_NOTICES=1 script -qec "setsid -w $SHARK -c '$probe'" /dev/null >"$root/screen" 2>&1
out=$(tr -d '\r' <"$root/screen")
checks=$((checks + 1))
case $out in *"failed 6"*) ;; *) fail "devtty-no-ctty: without a controlling terminal: [$out]" ;; esac

# pid 1 takes the listener from the command with pidfd_open and
# pidfd_getfd; where either is refused (a seccomp profile, Yama's
# ptrace_scope 3 for pidfd_getfd, a kernel before 5.6), the command used to
# wait for ever in its execve (pidfd_open) or the run failed to start
# (pidfd_getfd); the command now sees it coming and hands the listener over
# the old way (SCM_RIGHTS, the filter of fd 0's reads only)
cat >refuse.py <<'EOF2'
import ctypes, os, sys
lib = ctypes.CDLL("libseccomp.so.2")
lib.seccomp_init.restype = ctypes.c_void_p
ctx = ctypes.c_void_p(lib.seccomp_init(ctypes.c_uint32(0x7fff0000)))  # allow
nr = lib.seccomp_syscall_resolve_name(sys.argv[1].encode())
assert lib.seccomp_rule_add(ctx, ctypes.c_uint32(0x00050000 | 1), nr, 0) == 0  # EPERM
assert lib.seccomp_load(ctx) == 0
os.execvp(sys.argv[2], sys.argv[2:])
EOF2
if python3 -c 'import ctypes; ctypes.CDLL("libseccomp.so.2")' 2>/dev/null; then
	for call in pidfd_open pidfd_getfd; do
		printf '' | script -qec "timeout 60 python3 refuse.py $call $SHARK -c \"/bin/echo ran\"; echo rc=\$?" \
			/dev/null >"$root/screen" 2>&1
		out=$(tr -d '\r' <"$root/screen")
		checks=$((checks + 1))
		case $out in
		*rc=124*) fail "$call-refused: the run waited for ever: [$out]" ;;
		*"ran"*rc=0*) ;;
		*) fail "$call-refused: the run did not run: [$out]" ;;
		esac
	done
	# that way, a read of the terminal still runs again, and so does
	# an open of /dev/tty (counted as a use, as before)
	shark=$SHARK
	SHARK="python3 refuse.py pidfd_getfd $shark"
	miss old-handover-read 'bash -c "read x; echo got \$x"' 'typed
'
	checks=$((checks + 1))
	case $out in *"got typed"*) ;; *) fail "old-handover-read-out: [$out]" ;; esac
	miss old-handover-dup0 'python3 -c "import os; print(os.read(os.dup(0), 100))"' 'x
'
	miss old-handover-open 'python3 -c "import os; os.close(os.open(\"/dev/tty\", os.O_RDWR)); print(1)"'
	hit old-handover-plain 'python3 -c "print(7)"'
	SHARK=$shark
fi

finish
