#!/bin/sh
# make_import_corpus.sh - (re)make the format-2 seeds of
# tests/fuzz/corpus/import under the fixed hash key that fuzz_import.c's
# store uses (bytes 0, 1, ..., 31), so that they get past the key check.
# Run from the top of the tree with SHARK and BUILD set, as for the e2e
# tests. The older seeds (format 1) stay as examples of refused versions.
set -eu
: "${SHARK:?}" "${BUILD:?}"
out=$PWD/tests/fuzz/corpus/import
tmp=$(mktemp -d "${TMPDIR:-/tmp}/corpus.XXXXXX")
trap 'chmod -R u+rwx "$tmp"; rm -rf "$tmp"' EXIT
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(32)))' >"$tmp/key"
export SHARK_HASH_KEY_FILE=$tmp/key SHARK_STORE=$tmp/store SHARK_WORKSPACE=$tmp/ws
mkdir -p "$tmp/ws"
cd "$tmp/ws"
printf 'kiwi\nbanana\napple\n' >in.txt
"$SHARK" -c 'sort in.txt; sort -r -o out.txt in.txt; cat out.txt' >/dev/null
"$SHARK" export --all -o "$out/v2-valid.tzst" >/dev/null
zstd -q -dc "$out/v2-valid.tzst" >"$out/v2-valid-plain.tar"
head -c 300 "$out/v2-valid.tzst" >"$out/v2-trunc-300.tzst"
# a planted trace with no inputs and an effect in .git/hooks
key=$("$SHARK" log --json | jq -r '[.[] | select(.command == "sort in.txt")][0].action_key')
"$BUILD/tests/helpers/store_plant" "$SHARK_STORE" "$key" 'EVIL
' .git/hooks/pre-commit 'touch PWNED'
"$SHARK" export --all -o "$out/v2-planted.tzst" >/dev/null
# a 16 MiB blob of zeros, then a bad entry (rejected: nothing may stay)
rm -rf "$SHARK_STORE"
"$SHARK" -c 'head -c 16777216 /dev/zero' >/dev/null
"$SHARK" export --all -o "$tmp/zeros.tzst" >/dev/null
zstd -q -dc "$tmp/zeros.tzst" | python3 -c '
import sys, tarfile, io
src = tarfile.open(fileobj=sys.stdin.buffer, mode="r|")
out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.PAX_FORMAT)
for m in src:
    if m.name.startswith("shark-bundle/") or m.name.startswith("objects/"):
        out.addfile(m, src.extractfile(m))
bad = tarfile.TarInfo("objects/not-a-hash"); bad.size = 1
out.addfile(bad, io.BytesIO(b"x"))
out.close()' | zstd -q -19 -c >"$out/v2-bomb-then-bad.tzst"
# a flood of action entries naming no trace
zstd -q -dc "$tmp/zeros.tzst" | python3 -c '
import sys, tarfile, io
src = tarfile.open(fileobj=sys.stdin.buffer, mode="r|")
out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.GNU_FORMAT)
for m in src:
    if m.name.startswith("shark-bundle/"):
        out.addfile(m, src.extractfile(m))
for i in range(4000):
    a = tarfile.TarInfo("actions/%032x" % i); a.size = 16
    out.addfile(a, io.BytesIO(i.to_bytes(16, "little")))
out.close()' | zstd -q -19 -c >"$out/v2-action-flood.tzst"
# a tampered blob (same name, other bytes)
mkdir "$tmp/x"
tar --zstd -xf "$out/v2-valid.tzst" -C "$tmp/x"
chmod -R u+w "$tmp/x"
obj=$(cd "$tmp/x" && ls objects | head -n 1)
printf 'tampered' >"$tmp/x/objects/$obj"
(cd "$tmp/x" && tar -cf "$out/v2-tampered.tar" $(tar --zstd -tf "$out/v2-valid.tzst"))
ls -la "$out"/v2-*
