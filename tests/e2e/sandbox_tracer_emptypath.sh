#!/bin/sh
# sandbox_tracer_emptypath.sh - a stat with AT_EMPTY_PATH and a non-empty
# path from the cwd (sandbox/filter.c). fstat() is fstatat(fd, "",
# AT_EMPTY_PATH), so the filter lets AT_EMPTY_PATH with a real fd through
# untraced; with AT_FDCWD, which fstat never passes, the call is a path
# lookup from the cwd like any other and must be recorded
# (docs/sandbox.md, "Tracing"). Without that, a program that stats a file
# this way and prints what it found is replayed stale after the file
# appears or goes.
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"
: "${BUILD:?BUILD must point at the build directory}"
RUN=$BUILD/tests/helpers/sandbox_run

if ! command -v python3 >/dev/null 2>&1; then
	echo "python3 missing: skipped"
	finish
	exit $?
fi
case $(uname -m) in
x86_64 | aarch64) ;;
*)
	echo "no system call numbers for $(uname -m): skipped"
	finish
	exit $?
	;;
esac

# statprobe.py HOW NAME: newfstatat or statx of NAME from the cwd with
# AT_EMPTY_PATH (the system calls themselves: libc's wrappers may pick
# either), prints whether NAME is there and its size ("stat32": AT_FDCWD
# in the low 32 bits only). HOW "fd" makes the same calls
# with AT_EMPTY_PATH and an empty path on an open fd (fstat).
cat >statprobe.py <<'EOF'
import ctypes, os, sys
nr = {"x86_64": (262, 332), "aarch64": (79, 291)}[os.uname().machine]
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
AT_FDCWD, AT_EMPTY_PATH = -100, 0x1000
buf = ctypes.create_string_buffer(1024)
how, name = sys.argv[1], sys.argv[2].encode()
size_at = 48  # st_size in struct stat (x86_64 and the generic layout)
if how in ("stat", "stat32"):
    # stat32: AT_FDCWD in the low 32 bits only (the kernel reads an int)
    dirfd = AT_FDCWD & 0xffffffff if how == "stat32" else AT_FDCWD
    r = libc.syscall(ctypes.c_long(nr[0]), ctypes.c_long(dirfd), name, buf,
                     ctypes.c_long(AT_EMPTY_PATH))
elif how == "statx":
    r = libc.syscall(ctypes.c_long(nr[1]), ctypes.c_long(AT_FDCWD), name,
                     ctypes.c_long(AT_EMPTY_PATH), ctypes.c_long(0x7ff), buf)
    size_at = 40  # stx_size
else:
    fd = os.open(name, os.O_RDONLY)
    r = libc.syscall(ctypes.c_long(nr[1]), ctypes.c_long(fd), b"",
                     ctypes.c_long(AT_EMPTY_PATH), ctypes.c_long(0x7ff), buf)
    r |= libc.syscall(ctypes.c_long(nr[0]), ctypes.c_long(fd), b"", buf,
                      ctypes.c_long(AT_EMPTY_PATH))
if r == 0:
    print(sys.argv[2], "present", int.from_bytes(buf.raw[size_at:size_at + 8], "little"))
else:
    print(sys.argv[2], "absent")
EOF

. "$lib/access.sh"

# same_as_bash NAME SCRIPT: shark's last output and status are bash's
same_as_bash() {
	checks=$((checks + 1))
	bout=$(bash -c "$2" 2>/dev/null)
	bst=$?
	[ "$out" = "$bout" ] && [ "$st" = "$bst" ] ||
		fail "$1: shark gave [$out] status $st, bash [$bout] status $bst"
}

# The tracer's record: a file found (s) and a file absent (a), each way.
echo x >here
"$RUN" -a "$root/acc" -- sh -c 'python3 statprobe.py stat here; python3 statprobe.py stat gone1;
	python3 statprobe.py statx here; python3 statprobe.py statx gone2;
	python3 statprobe.py stat32 gone3' >/dev/null ||
	fail "probe run"
has "newfstatat AT_EMPTY_PATH" here s
has "newfstatat AT_EMPTY_PATH, absent" gone1 a
has "statx AT_EMPTY_PATH, absent" gone2 a
has "newfstatat AT_EMPTY_PATH, AT_FDCWD in 32 bits" gone3 a
# fstat of an open fd still works (and its file is recorded by the open).
"$RUN" -a "$root/acc" -- python3 statprobe.py fd here >"$root/fdout" ||
	fail "fstat run"
checks=$((checks + 1))
[ "$(cat "$root/fdout")" = "here present 2" ] || fail "fstat: [$(cat "$root/fdout")]"
has "fstat's open" here r

# Through shark, against bash: the file grows (a stat records what stat
# shows, size included; the directory's listing stays the same), then goes.
for how in stat statx; do
	s="python3 statprobe.py $how f-$how"
	echo y >"f-$how"
	sk "$s"; expect_out "$how cold" "f-$how present 2"
	sk "$s"; expect_hit "$how warm"
	echo yyyy >"f-$how"
	sk "$s"; expect_miss "$how grown"; expect_out "$how grown" "f-$how present 5"
	same_as_bash "$how grown" "$s"
	sk "$s"; expect_hit "$how grown, warm"
	rm "f-$how"
	sk "$s"; expect_out "$how removed" "f-$how absent"
	same_as_bash "$how removed" "$s"
done

finish
