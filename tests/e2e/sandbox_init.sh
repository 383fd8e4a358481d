#!/bin/sh
# sandbox_init.sh - the sandbox's pid 1 is shark-init (docs/sandbox.md,
# "Process model"): a small program exec'd from libexec/shark/ beside the
# shark binary, for a shell's first run and for the prepared ones after
# it. A shark binary copied alone (nothing beside it), or one whose
# shark-init cannot be exec'd, clones pid 1 from itself instead and runs
# the same.
. "$(dirname "$0")/../lib/e2e.sh"

# The first command starts its own pid 1, the later ones prepared ones;
# a pipeline's stages run at once.
script='nocache cat /proc/1/comm
nocache cat /proc/1/comm
nocache sh -c "cat /proc/1/comm; exit 3"; echo "st=$?"
printf "a\nb\n" | nocache sort -r | nocache tr a-z A-Z
nocache sh -c "kill -TERM \$\$"; echo "st=$?"'

expected() {
	printf '%s\n%s\n%s\nst=3\nB\nA\nst=143' "$1" "$1" "$1"
}

sk "$script"
expect_out "exec'd pid 1" "$(expected shark-init)"

# Copied alone: no libexec/shark/shark-init beside it.
mkdir -p "$root/alone/bin"
cp "$SHARK" "$root/alone/bin/shark"
SHARK=$root/alone/bin/shark sk "$script"
expect_out "no shark-init: cloned pid 1" "$(expected shark)"

# There, but not executable: its exec fails, and the run goes on without it.
mkdir -p "$root/noexec/bin" "$root/noexec/libexec/shark"
cp "$SHARK" "$root/noexec/bin/shark"
cp "$(dirname "$SHARK")/../libexec/shark/shark-init" "$root/noexec/libexec/shark/shark-init"
chmod 644 "$root/noexec/libexec/shark/shark-init"
SHARK=$root/noexec/bin/shark sk "$script"
expect_out "shark-init not executable: cloned pid 1" "$(expected shark)"

# The same, but the first runs are cold misses with no sandbox prepared
# for them (no nocache): the caller does not wait for shark-init's exec
# (run.c, spawn_init) and learns that it failed only when it waits for the
# stage's set-up report; each stage's plan, with its stdio, is taken back
# then and run by a pid 1 cloned from the shell. A single command reading a
# file whose offset it must leave where it stopped, then a pipeline whose
# every stage's exec fails that way, then a later run after the drop.
printf 'one\ntwo\nthree\n' >"$ws/in.txt"
SHARK=$root/noexec/bin/shark SHARK_STORE=$root/store-late sk '{ head -n 1; cat /proc/1/comm; cat; } < in.txt
cat /proc/1/comm | sed "s/^/x/" | tr a-z A-Z
sh -c "cat /proc/1/comm >&2; exit 3"; echo "st=$?"'
expect_out "shark-init not executable, found late: cloned pid 1" "one
shark
two
three
XSHARK
st=3"
checks=$((checks + 1))
[ "$err" = "shark" ] || fail "shark-init not executable, found late: stderr [$err]"

# The command holds no fd of pid 1's (its channel to the caller, which
# shark-init kept across its exec): only its stdio, first run and prepared.
sk 'nocache sh -c "ls /proc/\$\$/fd | tr \"\n\" \" \""; echo
nocache sh -c "ls /proc/\$\$/fd | tr \"\n\" \" \""; echo
nocache sh -c "ls /proc/\$\$/fd | tr \"\n\" \" \""; echo' </dev/null
expect_out "the command's fds" "0 1 2 
0 1 2 
0 1 2 "

# A script's redirection onto a fd the shell holds for a prepared pid 1
# (the pipe that tells whether its shark-init was exec'd, run.c
# spawn_settle; its channel; its mounts watch): the fd is the script's from
# then on, and the shell neither reads nor closes it; it gives that pid 1
# up and runs the command another way. A 4-byte file read there looked
# like a failed exec, and the shell then waited for ever for a pid 1 that
# was waiting for its plan. Each fd from 10 to 40 in turn (where the shell
# keeps its own), and the script reads its file through the fd after.
# Not covered: the store's index fds among them (docs/language.md,
# difference 13); with a read-only file there the index's writes fail and
# the script's read still works, which is all this checks of those.
printf 'abc\n' >"$ws/four"
bad=
for fd in $(seq 10 40); do
	SHARK_STORE=$root/store-fds timeout 20 "$SHARK" -c "nocache true; nocache true
nocache true; exec $fd<four; nocache echo after; read x <&$fd; echo \$x
exec $fd<&-; nocache echo closed" >"$root/out" 2>"$root/err"
	[ "$?:$(cat "$root/out")" = "0:after
abc
closed" ] || bad="$bad $fd[$(cat "$root/out" "$root/err" | tr '\n' ' ')]"
done
checks=$((checks + 1))
[ -z "$bad" ] || fail "a script's redirection onto the shell's fds:$bad"

# Of another build (an upgrade replaced it under a running shell): its
# build id, the constant sandbox_abi() returns, differs. The plan is refused
# with a message saying so, and nothing runs.
mkdir -p "$root/other/bin" "$root/other/libexec/shark"
cp "$SHARK" "$root/other/bin/shark"
abi=$(sed -n 's/.*return \([0-9]*\)u;.*/\1/p' "$BUILD/gen/sandbox_abi.c")
python3 - "$(dirname "$SHARK")/../libexec/shark/shark-init" \
	"$root/other/libexec/shark/shark-init" "$abi" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
old = struct.pack("<I", int(sys.argv[3]))
assert data.count(old) == 1, data.count(old)
open(sys.argv[2], "wb").write(data.replace(old, struct.pack("<I", int(sys.argv[3]) ^ 1)))
PY
chmod 755 "$root/other/libexec/shark/shark-init"
SHARK=$root/other/bin/shark sk 'nocache sh -c "echo ran"'
checks=$((checks + 1))
case "$st:$out:$err" in
*:ran:*) fail "a shark-init of another build ran the command" ;;
0:*) fail "a shark-init of another build: status 0" ;;
*"another build"*) ;;
*) fail "a shark-init of another build: no message saying so: [$err]" ;;
esac

# A mount below the host's /tmp (made here in a mount namespace of our
# own, as root): the run's /tmp overlay cannot take /tmp as its lower
# layer; the command runs with the private /tmp and shark says so
# (docs/sandbox.md, "/tmp"; sandbox_tmp_mount.sh tests what it holds).
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1; then
	lock=$(mktemp -d /tmp/shark-lock.XXXXXX)
	unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs none "$1" &&
		"$2" -c "nocache /bin/echo ran"' sh "$lock" "$SHARK" >"$root/out" 2>"$root/err"
	st=$?
	rmdir "$lock"
	checks=$((checks + 1))
	case "$st:$(cat "$root/out"):$(cat "$root/err")" in
	0:ran:*"mount below /tmp"*) ;;
	*) fail "a mount below /tmp: [$st] [$(cat "$root/out")] [$(cat "$root/err")]" ;;
	esac
fi

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
