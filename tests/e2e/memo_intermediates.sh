#!/bin/sh
# memo_intermediates.sh - pipeline outputs recorded by hash only (issue 15,
# docs/memo.md "Intermediate outputs"): a cheap stage's big output that only
# feeds the next stage is not stored, the stages after it still hit, a
# stage that needs it regenerates it, and nothing is ever replayed from
# bytes its command did not get. Every output is compared with bash's.
. "$(dirname "$0")/../lib/e2e.sh"

# log_has TEXT: `shark log` mentions TEXT.
log_has() { "$SHARK" log 2>/dev/null | grep -qF "$1"; }
# hash_only_count: the traces fsck finds recorded by hash only.
hash_only_count() {
	"$SHARK" fsck >"$root/fsck" 2>&1 || { echo "fsck-failed"; return; }
	n=$(sed -n 's/^\([0-9]*\) pipeline intermediate output.*hash only.*/\1/p' "$root/fsck")
	echo "${n:-0}"
}
same_as_bash() { # NAME SCRIPT (after sk SCRIPT)
	checks=$((checks + 1))
	b=$(bash -c "$2" 2>/dev/null)
	[ "$out" = "$b" ] || fail "$1: shark gave [$out], bash [$b]"
}

seq 1 4000000 >big # 31 MB: cat passes it on far faster than the store keeps it
kb=$(($(wc -c <big) / 1024))

# ---- the rule (auto): cat's output is not stored, the pipeline hits --------
p='cat big | md5sum | cut -c1-8'
sk "$p"
same_as_bash "cold" "$p"
checks=$((checks + 1))
[ "$(hash_only_count)" = 1 ] || fail "cat's output should be recorded by hash only: $(cat "$root/fsck")"
checks=$((checks + 1))
skb=$(du -sk "$store" | cut -f1)
[ "$skb" -lt $((kb / 2)) ] || fail "the store holds ${skb} KiB for a ${kb} KiB intermediate"
checks=$((checks + 1))
log_has "recorded by hash only" || fail "shark log does not say cat's output was kept by hash only"
sk "$p"
expect_hit "whole pipeline hits without the intermediate"
same_as_bash "warm" "$p"

# ---- a moved copy of the workspace -------------------------------------------
# A hash-only output cannot be read for the workspace's location, so its
# stage is served only where it was recorded: in a moved copy it runs
# again (and the stages after it with it), with bash's output; a hit there
# would let md5sum's record stand for bytes that might name the old place.
sk "$p"
mv "$ws" "$root/moved"
ws=$root/moved
export SHARK_WORKSPACE="$ws"
cd "$ws" || exit 1
sk "$p"
same_as_bash "moved copy" "$p"
checks=$((checks + 1))
"$SHARK" log | head -n 3 >"$root/log"
grep -q ' miss .*cat big' "$root/log" ||
	fail "moved copy: expected cat big to run: $(cat "$root/log")"
sk "$p"
expect_hit "moved copy, 2nd run"

# ---- a downstream miss regenerates the input ---------------------------------
p2='cat big | sha1sum | cut -c1-8'
checks=$((checks + 1))
"$SHARK" why -c "$p2" >"$root/why" 2>&1
grep -q "would run again to regenerate it" "$root/why" || fail "why -c does not say cat would run again: $(cat "$root/why")"
sk "$p2"
expect_miss "new consumer"
same_as_bash "regenerated input gives bash's output" "$p2"
checks=$((checks + 1))
log_has "ran again to regenerate its output" || fail "shark log does not say cat was run again"
checks=$((checks + 1))
log_has "the same output as recorded" || fail "the regeneration of a deterministic cat is not logged as the same"
checks=$((checks + 1))
regen=$("$SHARK" log | grep -F 'ran again to regenerate' | head -n 1 | awk '{print $1}')
"$SHARK" why "$regen" >"$root/why" 2>&1
grep -q "ran again to regenerate its output" "$root/why" || fail "why RUN does not say cat ran again: $(cat "$root/why")"
sk "$p2"
expect_hit "after regeneration"
same_as_bash "after regeneration" "$p2"
# two hash-only stages in a row (none: every intermediate by hash only), and
# a miss after both: both run again
export SHARK_KEEP_INTERMEDIATES=none
sk 'cat big | tr 0-9 a-j | wc -c'
same_as_bash "two hash-only stages" 'cat big | tr 0-9 a-j | wc -c'
sk 'cat big | tr 0-9 a-j | md5sum'
same_as_bash "two stages regenerated" 'cat big | tr 0-9 a-j | md5sum'
unset SHARK_KEEP_INTERMEDIATES

# ---- the stage's own output is needed: never served from a hash-only trace ----
sk 'cat big > copy'
expect_miss "cat big > copy after cat big was kept by hash only"
checks=$((checks + 1))
cmp -s big copy || fail "cat big > copy did not write the file ($(wc -c <copy) bytes)"
rm -f copy
sk 'cat big > copy'
checks=$((checks + 1))
cmp -s big copy || fail "cat big > copy (2nd run) did not write the file"

# ---- the producer's input changed ----------------------------------------------
echo 4000001 >>big
sk "$p"
expect_miss "producer's input changed"
same_as_bash "producer's input changed" "$p"
printf 'x' | dd of=big bs=1 seek=100 conv=notrunc 2>/dev/null # same size
sk "$p"
expect_miss "producer's input changed, same size"
same_as_bash "producer's input changed, same size" "$p"

# ---- a nondeterministic producer --------------------------------------------
# gen prints fresh random bytes and leaves what it printed in gen.out (an
# effect, replayed by a hit as recorded), so whatever the engine served, the
# consumer's output must be the hash of gen.out.
cat >gen.py <<'EOF'
import os, sys
r = os.urandom(300000).hex()
open("gen.out", "w").write(r)
sys.stdout.write(r)
EOF
gen_md5() { md5sum <gen.out | cut -c1-32; }
export SHARK_KEEP_INTERMEDIATES=none
p4='python3 gen.py | md5sum | cut -c1-32'
sk 'python3 gen.py | sha1sum | cut -c1-40'
checks=$((checks + 1))
[ "$out" = "$(sha1sum <gen.out | cut -c1-40)" ] || fail "first run: not the sha1 of what gen printed"
# gen hits (by hash only) and md5sum misses: gen runs again and prints
# something else. That run of gen is not recorded (gen.out is over
# SHARK_MAX_EFFECT_SIZE), so gen's next lookup finds its first trace again.
SHARK_MAX_EFFECT_SIZE=1k sk "$p4"
checks=$((checks + 1))
[ "$out" = "$(gen_md5)" ] || fail "regenerated: [$out] is not the md5 of what gen printed"
# gen hits its first trace, whose output md5sum never read: md5sum must not
# be served (a record of it under the first output's hash would be a lie)
sk "$p4"
checks=$((checks + 1))
[ "$out" = "$(gen_md5)" ] || fail "a consumer was replayed on bytes it never got: [$out], gen printed $(gen_md5)"
checks=$((checks + 1))
log_has "its output differed from the recorded one" || fail "shark log does not say the regenerated output differed"
sk "$p4"
expect_hit "nondeterministic producer, recorded"
checks=$((checks + 1))
[ "$out" = "$(gen_md5)" ] || fail "hit: [$out] is not the md5 of gen.out"
unset SHARK_KEEP_INTERMEDIATES

# ---- gc and fsck understand hash-only outputs --------------------------------
sk "$p"
"$SHARK" gc >"$root/gc" 2>&1
checks=$((checks + 1))
[ $? -eq 0 ] || fail "gc failed: $(cat "$root/gc")"
"$SHARK" gc --older-than 0s --grace 0 >"$root/gc" 2>&1 || fail "gc --older-than 0s failed"
sk "$p"
same_as_bash "after gc" "$p"
"$SHARK" gc --max-size 100M --grace 0 >"$root/gc" 2>&1 || fail "gc --max-size failed"
sk "$p"
expect_hit "whole pipeline hits after gc"
checks=$((checks + 1))
"$SHARK" fsck >"$root/fsck" 2>&1 || fail "fsck not clean: $(cat "$root/fsck")"
checks=$((checks + 1))
grep -q "hash only" "$root/fsck" || fail "fsck does not count the hash-only outputs: $(cat "$root/fsck")"
# an exported bundle carries no object for them, and imports cleanly
"$SHARK" export --all -o "$root/b.tzst" >"$root/o" 2>&1 || fail "export failed: $(cat "$root/o")"
export SHARK_HASH_KEY_FILE=$store/key
SHARK_STORE=$root/store2 "$SHARK" import "$root/b.tzst" >"$root/o" 2>&1 || fail "import failed: $(cat "$root/o")"
checks=$((checks + 1))
SHARK_STORE=$root/store2 "$SHARK" fsck >"$root/fsck" 2>&1 || fail "fsck of the imported store: $(cat "$root/fsck")"
SHARK_STORE=$root/store2 SHARK_NOTICES=1 "$SHARK" -c "$p" >"$root/out" 2>"$root/err"
out=$(cat "$root/out")
expect_hit "imported pipeline hits"
same_as_bash "imported pipeline" "$p"

finish
