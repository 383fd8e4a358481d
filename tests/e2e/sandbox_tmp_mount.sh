#!/bin/sh
# sandbox_tmp_mount.sh - a host mount below /tmp (a FUSE mount, WSLg's
# /tmp/.X11-unix, an AppImage's /tmp/.mount_*) does not stop commands: the
# overlay of /tmp is refused then, and the run gets the private /tmp
# (docs/sandbox.md, "/tmp"): existing host files readable and read-only,
# the user's own directories writable, another user's read-only, a new
# file at the top of /tmp reaching the host as an effect (and replayed by
# a hit), host unix sockets not connectable, and a lookup of a missing
# /tmp file recorded as such. The mount below /tmp must be
# made in the host's mount namespace copied into the run's (so it comes
# locked): root makes it in a private mount namespace (never the host's)
# and runs the checks there, as root and then as the unprivileged test
# user (tests/as-user.sh). Run as that user directly, this cannot make
# the mount and says so.
set -u
: "${SHARK:?SHARK must name the shark binary}"
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" != --inner ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "sandbox_tmp_mount: making a locked mount below /tmp needs root;" \
			"run as root, this test runs its checks as the test user too"
		exit 0
	fi
	mnt=$(mktemp -d /tmp/sbx-tmpmnt.XXXXXX)
	chmod 755 "$mnt"
	status=0
	unshare -m --propagation private sh -c '
		mount -t tmpfs -o mode=755 none "$1" && echo in-mount >"$1/f" || exit 1
		echo "== as root"
		sh "$2" --inner "$1" || exit 1
		echo "== as the test user"
		sh "$3" sh "$2" --inner "$1"' sh "$mnt" "$here/sandbox_tmp_mount.sh" \
		"$here/../as-user.sh" || status=$?
	rmdir "$mnt"
	exit "$status"
fi
mnt=$2
. "$here/../lib/e2e.sh"
tag=/tmp/sbx-tmpmnt-$(basename "$root")
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tag".*; chmod -R u+rwx "$root" 2>/dev/null; rm -rf "$root"' EXIT
notice='mount below /tmp'

sk 'echo hi | cat'
expect_out "a pipeline runs" hi
checks=$((checks + 1))
[ "$st" = 0 ] || fail "a pipeline: status $st ($err)"
checks=$((checks + 1))
[ "$(grep -c "$notice" "$root/err")" = 1 ] || fail "the private /tmp is said once: [$err]"
sk 'nocache /bin/true; nocache /bin/true; echo $?'
expect_out "nocache /bin/true" 0
checks=$((checks + 1))
[ "$(grep -c "$notice" "$root/err")" = 1 ] || fail "said once per shell, not per command: [$err]"

echo host >"$tag.host"
mkdir -p "$root/d"
echo indir >"$root/d/f"
sk "cat $tag.host $root/d/f"
expect_out "a host file at the top of /tmp and one in a directory are read" "host
indir"
sk "cat $mnt/f"
expect_out "a file on the mount below /tmp is read" in-mount

sk "sh -c 'echo new >$tag.new'"
checks=$((checks + 1))
[ "$st" = 0 ] && [ "$(cat "$tag.new" 2>/dev/null)" = new ] ||
	fail "a new file at the top of /tmp reaches the host: status $st, [$err]"
rm -f "$tag.new"
sk "sh -c 'echo new >$tag.new'"
expect_hit "the second run of the writer"
checks=$((checks + 1))
[ "$(cat "$tag.new" 2>/dev/null)" = new ] || fail "the hit replays the new /tmp file"

sk "sh -c 'echo over >$tag.host'"
checks=$((checks + 1))
[ "$st" != 0 ] && [ "$(cat "$tag.host")" = host ] ||
	fail "writing over a host /tmp file fails: status $st, host has [$(cat "$tag.host")]"
case $err in
*"Read-only file system"*) ;;
*) fail "the failed write says why: [$err]" ;;
esac
# the user's own directories are writable, as through the overlay: a
# directory made by one command takes the next one's files (mktemp -d)
sk "sh -c 'mkdir $tag.dir'"
sk "sh -c 'echo x >$tag.dir/f; echo over >$root/d/f; mkdir $root/d/sub; echo y >$root/d/sub/g'"
checks=$((checks + 1))
[ "$st" = 0 ] && [ "$(cat "$tag.dir/f" 2>/dev/null)" = x ] &&
	[ "$(cat "$root/d/f")" = over ] && [ "$(cat "$root/d/sub/g" 2>/dev/null)" = y ] ||
	fail "writing in the user's /tmp directories reaches the host: status $st [$err]"
sk "sh -c 'rm $root/d/f'"
checks=$((checks + 1))
[ "$st" = 0 ] && [ ! -e "$root/d/f" ] || fail "a removal in the user's /tmp directory: status $st"
# another user's directory: read-only
if [ "$(id -u)" = 0 ]; then
	mkdir "$tag.other"
	echo theirs >"$tag.other/f"
	chown -R nobody "$tag.other"
	sk "sh -c 'cat $tag.other/f; touch $tag.other/g'"
	expect_out "another user's directory is readable" theirs
	checks=$((checks + 1))
	[ "$st" != 0 ] && [ ! -e "$tag.other/g" ] || fail "another user's directory is read-only"
	rm -rf "$tag.other"
fi

s="sh -c 'cat $tag.later 2>/dev/null || echo none'"
sk "$s"
expect_out "a missing /tmp file" none
echo later >"$tag.later"
sk "$s"
expect_miss "the file appeared on the host"
expect_out "the file appeared on the host" later

# A unix socket in a host /tmp directory or at its top is not
# connectable, as through the /tmp overlay (sandbox_tmp.sh).
for sock in "$root/d/host.sock" "$tag.sock"; do
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(1)
s.settimeout(20)
try:
    c, _ = s.accept(); c.sendall(b"escaped\n"); time.sleep(1)
except OSError:
    pass
' "$sock" &
pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sk "nocache python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print(s.recv(64).decode().strip())
except OSError as e:
    print(\"blocked\")
' $sock"
expect_out "a host unix socket is unreachable: $sock" blocked
kill "$pid" 2>/dev/null
pid=""
done
finish
