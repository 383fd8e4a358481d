#!/bin/sh
# sandbox_store_planting.sh - no command's effect lands inside a shark
# store, whatever store it is and however the command reached it
# (docs/sandbox.md, "Effects never land in a store"). Shell B has its
# store under /tmp (where tests and many users keep SHARK_STORE) and
# another inside shell A's workspace; shell A's commands write into B's
# objects, scratch area (an in-progress run's `upper` would become that
# run's effect) and index, chmod and delete B's store, through the path,
# a symlink and `..`. Nothing of it may reach B's store, A's run must not
# be recorded (run again: a miss), and the other effects of the same
# command are still applied. Also: a store made before the marker gets it
# at its next open, and gc and fsck take a store with its marker as
# sound.
. "$(dirname "$0")/../lib/e2e.sh"

tb=$(mktemp -d /tmp/shark-planting.XXXXXX)
trap 'chmod -R u+rwx "$root" "$tb" 2>/dev/null; rm -rf "$root" "$tb"' EXIT
chmod 755 "$tb"
mkdir "$root/wsb"

# Shell B: a store under /tmp and one in A's workspace, each with a run.
for sb in "$tb/store" "$ws/sub/storeB"; do
	(cd "$root/wsb" && SHARK_STORE=$sb SHARK_WORKSPACE=$root/wsb "$SHARK" -c 'echo b > fb; cat fb' \
		>/dev/null 2>&1)
	checks=$((checks + 1))
	[ -f "$sb/.shark-store" ] || fail "$sb: no marker after the store was made"
	mkdir -p "$sb/scratch/run.b/upper"
done
snap() { (cd "$1" && find . -path ./index -prune -o -print | LC_ALL=C sort; cat key | od -An -tx1; cksum <index/data.mdb) 2>&1; }
before_tmp=$(snap "$tb/store")
before_ws=$(snap "$ws/sub/storeB")
ln -s "$tb/store" "$ws/lnk"

# plant CMD-WITH-$S NAME: A runs the command against B's store at $S
# (under /tmp, then inside the workspace) together with a harmless write,
# twice: B's store is unchanged, the harmless write applied, the run not
# recorded.
plant() {
	for S in "$tb/store" "$ws/sub/storeB" sub/storeB; do
		rm -f ok
		cmd=$(printf '%s' "$1" | sed "s|\\\$S|$S|g")
		sk "sh -c 'echo ok > ok; $cmd 2>/dev/null; cat ok'"
		checks=$((checks + 1))
		[ "$out" = ok ] || fail "$2 ($S): the command's other effect was not applied: [$out] ($err)"
		checks=$((checks + 1))
		case $err in
		*"inside a shark store"*) ;;
		*) fail "$2 ($S): no message naming the store: [$err]" ;;
		esac
		sk "sh -c 'echo ok > ok; $cmd 2>/dev/null; cat ok'"
		expect_miss "$2 ($S): recorded and replayed"
		checks=$((checks + 1))
		[ "$(snap "$tb/store")" = "$before_tmp" ] && [ "$(snap "$ws/sub/storeB")" = "$before_ws" ] ||
			fail "$2 ($S): B's store changed"
	done
}
plant 'echo evil > $S/objects/planted' "a new object"
plant 'echo evil > $S/objects/$(ls $S/objects | grep -v planted | head -1)/0123' "a new blob in a fan-out dir"
plant 'echo evil > $S/scratch/run.b/upper/f' "a file in an in-progress run's upper"
plant 'mkdir $S/scratch/run.x' "a new scratch dir"
plant 'echo x >> $S/index/data.mdb' "the index"
plant 'echo k > $S/key' "the key"
plant 'chmod 777 $S' "the store root's mode"
plant 'chmod 777 $S/objects' "a mode inside"
plant 'rm -rf $S/objects' "a deletion inside"
plant 'rm -f $S/.shark-store; echo evil > $S/objects/planted' "the marker removed first"
plant 'echo evil > $S/objects/../tmp/planted' "through .."

# through a symlink (the workspace's lnk -> B's store under /tmp)
sk "sh -c 'echo ok > ok; echo evil > lnk/objects/planted; cat ok' 2>/dev/null"
checks=$((checks + 1))
[ "$(snap "$tb/store")" = "$before_tmp" ] || fail "through a symlink: B's store changed"

# the whole store, and the directory holding it
sk "sh -c 'echo ok > ok; rm -rf $tb/store; cat ok' 2>/dev/null"
checks=$((checks + 1))
[ -f "$tb/store/key" ] || fail "rm -rf of B's store under /tmp applied"
sk "sh -c 'echo ok > ok; rm -rf sub; cat ok' 2>/dev/null"
checks=$((checks + 1))
[ -f "$ws/sub/storeB/key" ] || fail "rm -rf of the directory holding B's store applied"
checks=$((checks + 1))
[ "$(snap "$tb/store")" = "$before_tmp" ] && [ "$(snap "$ws/sub/storeB")" = "$before_ws" ] ||
	fail "a deletion changed B's store"

# B's stores still work for B, and gc and fsck find nothing wrong
for sb in "$tb/store" "$ws/sub/storeB"; do
	for i in 1 2; do
		(cd "$root/wsb" && SHARK_STORE=$sb SHARK_WORKSPACE=$root/wsb SHARK_NOTICES=1 "$SHARK" -c 'cat fb' \
			>"$root/bout" 2>"$root/berr")
	done
	checks=$((checks + 1))
	grep -q 'shark: cached' "$root/berr" && [ "$(cat "$root/bout")" = b ] ||
		fail "$sb: B's store no longer serves B: $(cat "$root/berr")"
	SHARK_STORE=$sb "$SHARK" fsck >"$root/fsck" 2>&1
	checks=$((checks + 1))
	[ $? -eq 0 ] || fail "$sb: fsck failed: $(cat "$root/fsck")"
	SHARK_STORE=$sb "$SHARK" gc >"$root/gc" 2>&1
	checks=$((checks + 1))
	[ $? -eq 0 ] && [ -f "$sb/.shark-store" ] || fail "$sb: gc failed or removed the marker: $(cat "$root/gc")"
done

# A store made before the marker gets it at its next open.
rm "$tb/store/.shark-store"
(cd "$root/wsb" && SHARK_STORE=$tb/store SHARK_WORKSPACE=$root/wsb "$SHARK" -c 'cat fb' >/dev/null 2>&1)
checks=$((checks + 1))
[ -f "$tb/store/.shark-store" ] || fail "an old store got no marker at its open"

# shark's other scratch base (a store inside the workspace puts the runs'
# scratch dirs in $TMPDIR/shark-scratch.UID) is marked like a store.
mkdir "$root/wsc"
(cd "$root/wsc" && SHARK_STORE=$root/wsc/st SHARK_WORKSPACE=$root/wsc "$SHARK" -c 'nocache sh -c "echo c > fc"' \
	>/dev/null 2>&1)
checks=$((checks + 1))
[ -f "$root/wsc/fc" ] && [ -f "${TMPDIR:-/tmp}/shark-scratch.$(id -u)/.shark-store" ] ||
	fail "the shark-scratch.UID base has no marker"

# A command's own marker only refuses its own later effects there: a
# command that makes a store in the workspace (shark inside shark) is not
# recorded, and what it wrote inside stays out.
sk "sh -c 'mkdir -p own && : > own/.shark-store'"
sk "sh -c 'echo x > own/f' 2>/dev/null"
checks=$((checks + 1))
[ ! -e own/f ] || fail "an effect inside a directory holding a marker was applied"
sk "sh -c 'mkdir -p nested/objects && : > nested/.shark-store && echo x > nested/objects/f; echo made'"
expect_out "a run that made a store of its own" made
checks=$((checks + 1))
case $err in
*"not recorded: it wrote nested/objects"*", inside a shark store"*) ;;
*) fail "a run that made a store of its own was recorded: [$err]" ;;
esac
checks=$((checks + 1))
[ -e nested/.shark-store ] && [ ! -e nested/objects/f ] ||
	fail "a run that made a store of its own: its marker is missing or a file inside was applied"

finish
