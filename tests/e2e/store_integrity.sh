#!/bin/sh
# store_integrity.sh - the store's content cannot be swapped (issue 17,
# items 2 and 4): a stored blob rewritten in place (chmod + write, same
# size, as a command holding its name or descriptor could) is never
# replayed nor fed to a stage as stdin; a file swapped for another with the
# same plain XXH3-128 hash is noticed; content with the plain hash of
# content stored before is kept apart; commands cannot read the hash key.
. "$(dirname "$0")/../lib/e2e.sh"
: "${BUILD:?BUILD must point at the build directory}"
collide=$BUILD/tests/helpers/xxh_collide

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

# rewrite OBJ FILE: replace OBJ's bytes with FILE's (same size), in place.
rewrite() {
	chmod u+w "$1" && cat "$2" >"$1" && chmod 0444 "$1"
}

# -- a rewritten stdout blob is not replayed ---------------------------------
printf 'the victim content\n' >in.txt
printf 'ATTACKER CONTENT!!\n' >"$root/evil"
sk 'cat in.txt'; expect_out cold 'the victim content'
sk 'cat in.txt'; expect_hit warm
obj=$(obj_holding in.txt)
check "the stdout blob is in the store" [ -n "$obj" ]
rewrite "$obj" "$root/evil"
sk 'cat in.txt'
expect_miss rewritten-blob
expect_out rewritten-blob 'the victim content'
check "the rewritten object is gone or healed" sh -c "! cmp -s '$obj' '$root/evil'"
sk 'cat in.txt'; expect_hit after-recompute; expect_out after-recompute 'the victim content'
# verified once, then a later rewrite is still caught (the check is a stat
# of inode, size, mtime and ctime, which the chmod and the write change)
sleep 0.2
sk 'cat in.txt'; expect_hit verified-hit
obj=$(obj_holding in.txt)
rewrite "$obj" "$root/evil"
sk 'cat in.txt'; expect_miss rewritten-after-verified; expect_out rewritten-after-verified 'the victim content'

# -- a rewritten upstream blob is not fed to a downstream stage ---------------
printf 'pipeline input\n' >p.txt
printf 'POISONED INPUT\n' >"$root/poison"
sk 'cat p.txt'; sk 'cat p.txt'; expect_hit upstream-warm
obj=$(obj_holding p.txt)
rewrite "$obj" "$root/poison"
sk 'cat p.txt | tr a-z A-Z'
expect_out poisoned-stdin 'PIPELINE INPUT'
sk 'cat p.txt'; expect_out upstream-after 'pipeline input'

# -- an input swapped for its colliding twin ----------------------------------
check "colliding pair made" "$collide" "$root/a.bin" "$root/b.bin"
check "the pair collides for plain XXH3-128" \
	[ "$(xxh128sum <"$root/a.bin" | cut -c1-32)" = "$(xxh128sum <"$root/b.bin" | cut -c1-32)" ]
cp "$root/a.bin" in.bin
sk 'md5sum <in.bin'; sk 'md5sum <in.bin'; expect_hit twin-warm
cp "$root/b.bin" in.bin
sk 'md5sum <in.bin'
expect_miss twin-swapped
expect_out twin-swapped "$(md5sum <"$root/b.bin")"
cp "$root/a.bin" in1.bin
sk 'md5sum in1.bin'
cp "$root/b.bin" in1.bin
sk 'md5sum in1.bin'; expect_miss twin-swapped-arg; expect_out twin-swapped-arg "$(md5sum in1.bin)"

# -- the attacker's twin stored first does not stand in for the victim's ------
"$collide" "$root/c.bin" "$root/d.bin" 7
cp "$root/d.bin" evil.bin
cp "$root/c.bin" good.bin
sk 'cat evil.bin >/dev/null; cat evil.bin'
sk 'cat good.bin'; sk 'cat good.bin'; expect_hit victim-hit
checks=$((checks + 1))
cmp -s "$root/out" "$root/c.bin" || fail "the victim's hit replays other bytes"

# -- the hash key is invisible to commands ------------------------------------
check "the store has a key file" [ -s "$store/key" ]
check "the key file is private" [ "$(stat -c %a "$store/key")" = 600 ]
sk "cat '$store/key' | wc -c"
check "a command reads the key as empty (got [$out])" [ "$(echo $out)" = 0 ]
sk "od -An -tx1 '$store/key'"
checks=$((checks + 1))
[ -z "$(echo $out)" ] || fail "a command read the key: [$out]"

# a copy of the key named by SHARK_HASH_KEY_FILE is hidden the same way
cp "$store/key" "$root/key.copy"
export SHARK_HASH_KEY_FILE=$root/key.copy
sk "cat '$root/key.copy' | wc -c"
check "a command reads the named key copy as empty (got [$out])" [ "$(echo $out)" = 0 ]
# and the store's key stays hidden when the store cannot be opened (here:
# SHARK_HASH_KEY_FILE names another key, so commands run uncached)
head -c 32 /dev/zero >"$root/other.key"
export SHARK_HASH_KEY_FILE=$root/other.key
sk "cat '$store/key' | wc -c"
check "the store is refused (got [$err])" grep -q 'hash key mismatch' "$root/err"
check "and its key still reads as empty (got [$out])" [ "$(echo $out)" = 0 ]
unset SHARK_HASH_KEY_FILE

finish
