#!/bin/sh
# sandbox_apply_attacks.sh - attacks on the way a command's file effects
# reach the real workspace (issue 17, items 3, 8 and 12), each through the
# built shark binary, each asserting that the host is untouched:
#
#   - a concurrent process swaps the temporary name of an effect being
#     applied for a symlink to a host file, so that a mode set by name
#     lands on that file (a FIFO with set-uid bits, applied by root);
#   - set-uid, set-gid and sticky bits in applied modes, run and replayed;
#   - two engines applying to one workspace at once (the workspace lock);
#   - a replayed deletion that would reach into a bind mount, and a
#     workspace with a mount inside (refused alike for runs and replays);
#   - a sparse file applied and replayed dense, and the size limit of one
#     effect file (SHARK_MAX_EFFECT_SIZE).
#
# Runs as root and as an unprivileged user (the mount cases in a user
# namespace of their own, so both can make a bind mount).
. "$(dirname "$0")/../lib/e2e.sh"

: "${BUILD:?BUILD must name the build directory (for tests/helpers)}"
racer=$BUILD/tests/helpers/apply_racer

check() {
	checks=$((checks + 1))
	name=$1
	shift
	if "$@"; then
		echo "ok   $name"
	else
		fail "$name"
	fi
}

mode_of() { stat -c %a "$1"; }

# ---- 1. the temporary-name race (item 3) -----------------------------------
# Each round, one command makes 1,000 FIFOs with mode 4777 (python3: one
# process, so the round is quick); while shark
# applies them, the racer replaces every .shark-apply.* entry it sees
# appear with a symlink to $victim. A shark that chmods its temporary FIFO
# by name makes $victim 4777.
victim=$root/victim
echo secret >"$victim"
chmod 0640 "$victim"
swaps=0
round=0
while [ $round -lt 3 ] && [ "$(mode_of "$victim")" = 640 ]; do
	round=$((round + 1))
	rm -f "$root/racer.out"
	"$racer" "$ws" "$victim" 120 >"$root/racer.out" &
	racer_pid=$!
	while ! grep -q ready "$root/racer.out" 2>/dev/null; do sleep 0.05; done
	"$SHARK" -c "python3 -c 'import os
for i in range(1000): os.mkfifo(\"p%d\" % i); os.chmod(\"p%d\" % i, 0o4777)'" \
		>/dev/null 2>"$root/race.err"
	kill -TERM "$racer_pid"
	wait "$racer_pid"
	n=$(tail -n 1 "$root/racer.out")
	swaps=$((swaps + ${n:-0}))
	find "$ws" -mindepth 1 -delete
done
echo "     ($round rounds, $swaps temporary names swapped for a symlink)"
check "the race was run (the racer swapped temporary names)" [ "$swaps" -gt 0 ]
check "a swapped temporary name never redirects a chmod (victim still 640)" \
	[ "$(mode_of "$victim")" = 640 ]
check "the victim's content is untouched" [ "$(cat "$victim")" = secret ]

# ---- 2. special bits are never applied -------------------------------------
sk 'sh -c "echo x > f && chmod 4755 f && mkdir d && chmod 3777 d && mkfifo p && chmod 7777 p"'
check "applied file drops set-uid (run)" [ "$(mode_of f)" = 755 ]
check "applied directory drops set-gid and sticky (run)" [ "$(mode_of d)" = 777 ]
check "applied FIFO drops set-uid, set-gid and sticky (run)" [ "$(mode_of p)" = 777 ]
rm -rf f d p
sk 'sh -c "echo x > f && chmod 4755 f && mkdir d && chmod 3777 d"'
rm -rf f d
sk 'sh -c "echo x > f && chmod 4755 f && mkdir d && chmod 3777 d"'
expect_hit "special bits: replayed"
check "replayed file drops set-uid" [ "$(mode_of f)" = 755 ]
check "replayed directory drops set-gid and sticky" [ "$(mode_of d)" = 777 ]
rm -rf f d

# ---- 3. one engine at a time per workspace ---------------------------------
# A holder takes the workspace lock (flock on the workspace directory) and
# looks, just before letting go, whether shark has written meanwhile.
lock_test() { # $1: label
	rm -f "$root/held" "$root/early" locked.txt
	flock "$ws" sh -c ": > '$root/held'; sleep 2; [ -e '$ws/locked.txt' ] && : > '$root/early'" &
	holder=$!
	while [ ! -e "$root/held" ]; do sleep 0.05; done
	sk 'sh -c "echo locked > locked.txt"'
	wait "$holder"
	check "$1: shark waited for the workspace lock before applying" [ ! -e "$root/early" ]
	check "$1: and applied once it had it" [ "$(cat locked.txt 2>/dev/null)" = locked ]
}
lock_test "lock (run)"
lock_test "lock (replay)"
expect_hit "lock: the second one is a replay"
rm -f locked.txt

# ---- 4. mount points (item 8) ----------------------------------------------
# `rmdir mnt` is recorded; then a directory holding a precious file is
# bound on a new mnt; a replay must not delete the mounted tree, and the
# workspace (which now has a mount inside) refuses runs and replays alike.
mkdir -p "$root/precious" mnt
echo keep >"$root/precious/keep"
echo data >in.txt
sk 'rmdir mnt'
check "rmdir recorded and applied" [ ! -e mnt ]
cat >"$root/mnt.sh" <<EOF
set -u
cd "$ws" || exit 9
mkdir mnt && mount --bind "$root/precious" mnt || exit 9
SHARK_NOTICES=1 "$SHARK" -c 'rmdir mnt' >/dev/null 2>"$root/mnt-replay.err"
echo "replay=\$?" >"$root/mnt.status"
SHARK_NOTICES=1 "$SHARK" -c 'cat in.txt' >/dev/null 2>"$root/mnt-run.err"
echo "run=\$?" >>"$root/mnt.status"
umount mnt
EOF
if [ "$(id -u)" -eq 0 ]; then
	unshare -m sh "$root/mnt.sh"
else
	unshare -Urm sh "$root/mnt.sh"
fi
check "mount: set up" [ -f "$root/mnt.status" ]
check "mount: the replayed deletion did not empty the mounted tree" \
	[ "$(cat "$root/precious/keep" 2>/dev/null)" = keep ]
check "mount: the replay is refused (status 126)" grep -q '^replay=126$' "$root/mnt.status"
check "mount: the refusal names the mount" grep -q "mount point inside it ($ws/mnt)" "$root/mnt-replay.err"
check "mount: a run is refused the same way" grep -q '^run=126$' "$root/mnt.status"
check "mount: with the same message" grep -q "mount point inside it ($ws/mnt)" "$root/mnt-run.err"
rmdir mnt 2>/dev/null
sk 'cat in.txt'
check "mount: once unmounted, commands run again" [ "$st" = 0 ] && [ "$out" = data ]

# ---- 5. sparse files and the effect size limit (item 12) -------------------
sparse_cmd='sh -c "truncate -s 1G big && printf end >> big"'
sk "$sparse_cmd"
check "sparse: the applied file has its size" [ "$(stat -c %s big)" = 1073741827 ]
check "sparse: and keeps its hole (under 1 MiB on disk, was $(du -k big | cut -f1) KiB)" \
	[ "$(du -k big | cut -f1)" -lt 1024 ]
check "sparse: and its data" [ "$(tail -c 3 big)" = end ]
rm -f big
sk "$sparse_cmd"
expect_hit "sparse: replayed"
check "sparse: the replayed file keeps its hole (was $(du -k big | cut -f1) KiB)" \
	[ "$(du -k big | cut -f1)" -lt 1024 ]
check "sparse: the replayed file has its size and data" \
	[ "$(stat -c %s big)" = 1073741827 ] && [ "$(tail -c 3 big)" = end ]
check "sparse: the store holds the hole too (under 1 MiB)" [ "$(du -sk "$store" | cut -f1)" -lt 1024 ]
rm -f big
# Two links to one sparse file: imported into the store by copy, not
# rename (the other link), which must keep the hole as well.
rm -rf "$store"
sk 'sh -c "truncate -s 1G big && printf end >> big && ln big big2"'
check "sparse, copied into the store: the store keeps the hole (under 1 MiB, was $(du -sk "$store" | cut -f1) KiB)" \
	[ "$(du -sk "$store" | cut -f1)" -lt 1024 ]
rm -f big big2
sk 'sh -c "truncate -s 1G big && printf end >> big && ln big big2"'
expect_hit "sparse, copied: replayed"
check "sparse, copied: replayed sparse with its data" \
	[ "$(du -k big2 | cut -f1)" -lt 1024 ] && [ "$(tail -c 3 big2)" = end ] &&
	[ "$(stat -c %s big2)" = 1073741827 ]
rm -f big big2

SHARK_MAX_EFFECT_SIZE=1M sk 'sh -c "head -c 2000000 /dev/zero > large"'
check "limit: the user is told why the run is not recorded" \
	grep -q 'not recorded: large is 1.9 MiB, over SHARK_MAX_EFFECT_SIZE (1.0 MiB)' "$root/err"
check "limit: the file is still applied" [ "$(stat -c %s large)" = 2000000 ]
rm -f large
SHARK_MAX_EFFECT_SIZE=1M sk 'sh -c "head -c 2000000 /dev/zero > large"'
expect_miss "limit: not recorded, so it runs again"
"$SHARK" log >"$root/log"
check "limit: shark log gives the reason" grep -q 'larger than SHARK_MAX_EFFECT_SIZE' "$root/log"
rm -f large
sk 'sh -c "head -c 2000000 /dev/zero > large"'
rm -f large
sk 'sh -c "head -c 2000000 /dev/zero > large"'
expect_hit "limit: under the default limit it is recorded"
rm -f large

finish
