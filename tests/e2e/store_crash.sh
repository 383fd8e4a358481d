#!/bin/sh
# store_crash.sh - a lost or damaged blob is a miss, never a wrong replay
# (issue 15, item 3; docs/store.md "Durability"). A run's blobs are named
# without a sync, so a power loss can leave one cut short, or with its
# inode (size, mtime, ctime) intact and its bytes gone, while the stat
# cache still remembers having verified it. tests/helpers/store_crash
# leaves the store that way and makes index/unsynced name a boot that is
# gone; the next run must re-run the command and print what dash prints.
# And a shell killed with SIGKILL while it records loses nothing it
# committed (the page cache outlives the process).
. "$(dirname "$0")/../lib/e2e.sh"
: "${BUILD:?BUILD must point at the build directory}"
crash=$BUILD/tests/helpers/store_crash
unset SHARK_STORE_NOSYNC
# no hourly background store_sync racing with the checks of the mark
export SHARK_STORE_LIMIT=off

check() {
	checks=$((checks + 1))
	name=$1
	shift
	"$@" || fail "$name"
}

# obj_holding TEXTFILE: the object file whose content equals TEXTFILE.
obj_holding() {
	for o in "$store"/objects/*/*; do
		cmp -s "$o" "$1" && echo "$o" && return 0
	done
	return 1
}

# As root, read what is left from the disk, not from the page cache.
drop_caches() {
	if [ "$(id -u)" -eq 0 ]; then
		sync
		echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
	fi
}

# -- the unsynced window is marked --------------------------------------------
printf 'pear\napple\nfig\n' >in.txt
sk 'sort in.txt'
same_as_dash cold 'sort in.txt'
check "index/unsynced names this boot" \
	[ "$(cat "$store/index/unsynced")" = "$(cat /proc/sys/kernel/random/boot_id)" ]

# -- (a) same-size garbage that the stat cache vouches for --------------------
sleep 0.2 # old enough for the stat cache (the racy rule)
sk 'sort in.txt'; expect_hit verified-hit
sort in.txt >"$root/sorted"
obj=$(obj_holding "$root/sorted")
check "the stdout blob is in the store" [ -n "$obj" ]
check "damaged as a power loss leaves it" "$crash" "$store" "$obj" garbage
drop_caches
sk 'sort in.txt'
expect_miss garbage-after-reboot
same_as_dash garbage-after-reboot 'sort in.txt'
check "the recovery replaced the gone boot's mark (the re-run marks this one)" \
	[ "$(cat "$store/index/unsynced")" = "$(cat /proc/sys/kernel/random/boot_id)" ]
sk 'sort in.txt'; expect_hit garbage-healed; same_as_dash garbage-healed 'sort in.txt'

# -- (b) a file effect's blob cut short ------------------------------------------
sk 'tr a-z A-Z <in.txt >up.txt'
tr a-z A-Z <in.txt >"$root/up"
check "effect written" cmp -s up.txt "$root/up"
obj=$(obj_holding "$root/up")
check "the effect blob is in the store" [ -n "$obj" ]
check "cut short as a power loss leaves it" "$crash" "$store" "$obj" truncate
drop_caches
rm -f up.txt
sk 'tr a-z A-Z <in.txt >up.txt'
expect_miss truncated-after-reboot
check "the effect is what tr writes" cmp -s up.txt "$root/up"

# -- a stdout blob garbled while an upstream stage of a pipeline ---------------
sk 'sort in.txt | tr a-z A-Z'; sleep 0.2
sk 'sort in.txt | tr a-z A-Z'; expect_hit pipe-warm
obj=$(obj_holding "$root/sorted")
check "damaged upstream blob" "$crash" "$store" "$obj" garbage
sk 'sort in.txt | tr a-z A-Z'
same_as_dash pipe-after-reboot 'sort in.txt | tr a-z A-Z'

# -- SIGKILL while recording loses nothing committed -----------------------------
rm -f started
"$SHARK" -c 'cat in.txt; rev in.txt; touch started; sleep 5' >"$root/killed.out" 2>"$root/killed.err" &
pid=$!
n=0
while [ ! -e started ] && [ $n -lt 200 ]; do
	sleep 0.05
	n=$((n + 1))
done
check "the killed shell got to its third command" [ -e started ]
kill -9 "$pid"
wait "$pid" 2>/dev/null
sk 'cat in.txt'; expect_hit killed-first; same_as_dash killed-first 'cat in.txt'
sk 'rev in.txt'; expect_hit killed-second; same_as_dash killed-second 'rev in.txt'
check "fsck finds the store consistent" "$SHARK" fsck >/dev/null

finish
