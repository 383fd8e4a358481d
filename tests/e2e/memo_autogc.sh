#!/bin/sh
# memo_autogc.sh - the automatic size limit: a shell over SHARK_STORE_LIMIT
# starts a background gc (at most once an hour, claimed with a stamp file)
# that never takes fresh results (gc's grace period), and the limit can be
# turned off; under the limit it makes unsynced results durable.
. "$(dirname "$0")/../lib/e2e.sh"

echo data >f
SHARK_STORE_LIMIT=1 sk 'cat f'
checks=$((checks + 1))
[ -f "$store/gc.stamp" ] || fail "autogc: no gc.stamp after a recorded run over the limit"
sleep 1
SHARK_STORE_LIMIT=1 sk 'cat f'
expect_hit autogc-fresh-kept
expect_out autogc-fresh-kept data
SHARK_STORE_LIMIT=1 "$SHARK" fsck >"$root/fsck" 2>&1
fst=$?
checks=$((checks + 1))
[ "$fst" -eq 0 ] || fail "autogc: fsck after the background gc: $(cat "$root/fsck")"

chmod -R u+rwx "$store" 2>/dev/null; rm -rf "$store"
SHARK_STORE_LIMIT=off sk 'cat f'
checks=$((checks + 1))
[ ! -f "$store/gc.stamp" ] || fail "autogc: SHARK_STORE_LIMIT=off still checked the store"
checks=$((checks + 1))
[ -s "$store/index/unsynced" ] || fail "autogc: a recorded run left no unsynced mark"

# under the limit, the hourly check makes the unsynced results durable
# (store_sync empties the mark: docs/store.md "Durability")
chmod -R u+rwx "$store" 2>/dev/null; rm -rf "$store"
sk 'cat f'
n=0
while [ -s "$store/index/unsynced" ] && [ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
checks=$((checks + 1))
[ ! -s "$store/index/unsynced" ] || fail "autogc: the hourly store_sync did not retire the mark"
finish
