#!/bin/sh
# maint_import_hostile.sh - bundles from someone who shares the store's
# hash key (a teammate, a shared cache) are still untrusted (issue 17,
# item 10): a planted trace never outranks the store's own, its origin is
# shown, a rejected bundle leaves no blob behind, and the size and memory
# caps hold.
. "$(dirname "$0")/../lib/e2e.sh"
: "${BUILD:?BUILD must point at the build directory}"
plant=$BUILD/tests/helpers/store_plant

check() {
	checks=$((checks + 1))
	name=$1
	shift
	"$@" || fail "$name"
}

# rejected NAME N: the last import (status $ist, stderr in $root/e) failed
# and added nothing to the store (N index entries before, $objs0 objects)
rejected() {
	checks=$((checks + 1))
	[ "$ist" -eq 1 ] || fail "$1: import exited $ist, expected 1"
	n=$("$SHARK" stats --json | jq '.traces + .actions')
	checks=$((checks + 1))
	[ "$n" -eq "$2" ] || fail "$1: the index changed ($n entries, expected $2)"
	checks=$((checks + 1))
	[ -z "$(ls -A "$store/tmp")" ] || fail "$1: files left in tmp/: $(ls "$store/tmp")"
	objs=$(find "$store/objects" -type f | wc -l)
	checks=$((checks + 1))
	[ "$objs" -eq "$objs0" ] || fail "$1: $((objs - objs0)) blobs were left in the store"
}

# -- a local trace for the victim's command ------------------------------------
printf 'good\n' >in.txt
sk 'cat in.txt'; expect_out local good
key=$("$SHARK" log -n 1 --json | jq -r '.[0].action_key')
check "got the action key" [ ${#key} -eq 32 ]

# -- the attacker, with the same key, plants a trace with no inputs ------------
att=$root/attacker
export SHARK_HASH_KEY_FILE=$store/key
SHARK_STORE=$att "$SHARK" -c 'cat in.txt' >/dev/null
check "plant" "$plant" "$att" "$key" 'EVIL
' .git/hooks/pre-commit 'touch PWNED'
SHARK_STORE=$att "$SHARK" export --all -o "$root/planted.tzst" >/dev/null
unset SHARK_HASH_KEY_FILE
"$SHARK" import "$root/planted.tzst" >"$root/o" 2>"$root/e"
check "the bundle imports" [ $? -eq 0 ]
sk 'cat in.txt'
expect_hit local-still-wins
expect_out local-still-wins good
check "no planted effect applied" [ ! -e .git/hooks/pre-commit ]
check "shark show: recorded here" sh -c "'$SHARK' show last | grep -q '^origin    recorded by this store'"

# when no local trace matches, the imported one may serve, and says so
printf 'changed\n' >in.txt
sk 'cat in.txt'
expect_out planted-serves-a-miss-of-the-local EVIL
check "shark log marks the imported trace" sh -c "'$SHARK' log -n 1 | grep -qF '[imported from $root/planted.tzst]'"
check "shark show names the bundle" sh -c "'$SHARK' show last | grep -qF 'origin    imported from $root/planted.tzst'"
rm -rf .git
n0=$("$SHARK" stats --json | jq '.traces + .actions')
objs0=$(find "$store/objects" -type f | wc -l)

# -- an 8 KiB bundle with a 64 MiB blob and a bad entry after it ---------------
export SHARK_HASH_KEY_FILE=$store/key
SHARK_STORE=$att "$SHARK" -c 'head -c 67108864 /dev/zero' >/dev/null
SHARK_STORE=$att "$SHARK" export --all -o "$root/zeros.tzst" >/dev/null
unset SHARK_HASH_KEY_FILE
check "the bundle is small" [ "$(wc -c <"$root/zeros.tzst")" -lt 200000 ]
zstd -q -dc "$root/zeros.tzst" | python3 -c '
import sys, tarfile, io
src = tarfile.open(fileobj=sys.stdin.buffer, mode="r|")
out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.PAX_FORMAT)
for m in src:
    if m.name.startswith("shark-bundle/") or m.name.startswith("objects/"):
        out.addfile(m, src.extractfile(m))
bad = tarfile.TarInfo("objects/not-a-hash"); bad.size = 1
out.addfile(bad, io.BytesIO(b"x"))
out.close()' | zstd -q -c >"$root/bomb.tzst"
check "the crafted bundle is small too" [ "$(wc -c <"$root/bomb.tzst")" -lt 200000 ]
"$SHARK" import "$root/bomb.tzst" >"$root/o" 2>"$root/e"
ist=$?
rejected "blob bomb with a bad entry" "$n0"

# -- the size cap ---------------------------------------------------------------
SHARK_IMPORT_MAX_BYTES=1048576 "$SHARK" import "$root/zeros.tzst" >"$root/o" 2>"$root/e"
ist=$?
rejected "over the size cap" "$n0"
check "says which cap" grep -q 'size cap' "$root/e"
"$SHARK" import "$root/zeros.tzst" >"$root/o" 2>"$root/e"
check "the same bundle imports under the default cap" [ $? -eq 0 ]
n0=$("$SHARK" stats --json | jq '.traces + .actions')
objs0=$(find "$store/objects" -type f | wc -l)

# -- the memory cap: a flood of action entries -----------------------------------
zstd -q -dc "$root/zeros.tzst" | python3 -c '
import sys, tarfile, io
src = tarfile.open(fileobj=sys.stdin.buffer, mode="r|")
out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.GNU_FORMAT)
for m in src:
    if m.name.startswith("shark-bundle/"):
        out.addfile(m, src.extractfile(m))
for i in range(40000):
    a = tarfile.TarInfo("actions/%032x" % i); a.size = 16
    out.addfile(a, io.BytesIO(i.to_bytes(16, "little")))
out.close()' | zstd -q -19 -c >"$root/flood.tzst"
SHARK_IMPORT_MAX_MEMORY=1000000 "$SHARK" import "$root/flood.tzst" >"$root/o" 2>"$root/e"
ist=$?
rejected "action flood over the memory cap" "$n0"
check "says which cap" grep -q 'memory cap' "$root/e"
"$SHARK" import "$root/flood.tzst" >"$root/o" 2>"$root/e"
ist=$?
rejected "action flood under the default cap (names no trace)" "$n0"

finish
