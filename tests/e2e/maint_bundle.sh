#!/bin/sh
# maint_bundle.sh - `shark export` / `shark import` end to end: a bundle
# imported into an empty store makes the same commands hit; corrupt,
# truncated and malicious bundles (path traversal, absolute names,
# symlinks, a blob or trace that does not match its hash, a missing blob)
# are rejected with nothing imported and nothing written outside the store.
# Hashes are keyed per store: a store that imports another's bundle must be
# created with that store's key (SHARK_HASH_KEY_FILE), which every import
# below into a fresh store does explicitly; one that is not refuses the
# bundle.
. "$(dirname "$0")/../lib/e2e.sh"

check() { # NAME COMMAND...
	checks=$((checks + 1))
	name=$1
	shift
	"$@" >/dev/null 2>&1 || fail "$name"
}

printf 'kiwi\nbanana\napple\n' >"$ws/in.txt"
cmd='sort in.txt; sort -r -o out.txt in.txt; cat out.txt'
want=$(dash -c "$cmd")
sk "$cmd"
expect_out "first run" "$want"
b=$root/bundle.tar.zst
"$SHARK" export --all -o "$b" >"$root/o"
check "export --all" [ $? -eq 0 ]
check "export reports the traces" grep -q '^exported 3 traces' "$root/o"
check "the bundle is tar+zstd" tar --zstd -tf "$b"
check "the bundle starts with its version" [ "$(tar --zstd -tf "$b" | head -n 1)" = shark-bundle/VERSION ]
check "then its key fingerprint" [ "$(tar --zstd -tf "$b" | sed -n 2p)" = shark-bundle/KEY ]
"$SHARK" export 999 -o "$root/none.tzst" >/dev/null 2>&1
check "export of an unknown run fails" [ $? -eq 1 ]
check "and leaves no file" [ -z "$(ls "$root" | grep none)" ]
"$SHARK" export -o "$root/x" >/dev/null 2>&1
check "export without RUN or --all is a usage error" [ $? -eq 2 ]
first=$("$SHARK" log --json | jq -r '[.[] | select(.command == "sort in.txt")][0].id')
"$SHARK" export "$first" -o "$root/one.tzst" >"$root/o"
check "export of one run" grep -q '^exported 1 traces' "$root/o"
# RUN is read as by show and why: an id or "last" (here `cat out.txt`)
"$SHARK" export last -o "$root/last.tzst" >"$root/o"
check "export of the last run" grep -q '^exported 1 traces' "$root/o"
check "export last writes that run's trace" \
	[ "$(tar --zstd -tf "$root/last.tzst" | grep -c '^traces/')" -eq 1 ]
"$SHARK" export lastt -o "$root/bad.tzst" >/dev/null 2>&1
check "export of a malformed RUN fails" [ $? -eq 1 ]

# ---- into an empty store made with another key: refused, with the fix ----
SHARK_STORE=$root/otherkey "$SHARK" import "$b" >"$root/o" 2>"$root/e"
check "a store with another key refuses the bundle" [ $? -eq 1 ]
check "naming the fix" grep -q 'SHARK_HASH_KEY_FILE' "$root/e"
n=$(SHARK_STORE=$root/otherkey "$SHARK" stats --json | jq '.traces + .actions + .blobs')
check "and imports nothing" [ "$n" -eq 0 ]

# ---- into an empty store with the same key: the same commands hit ----
mv "$store" "$root/store.orig"
export SHARK_HASH_KEY_FILE=$root/store.orig/key
rm -f "$ws/out.txt"
"$SHARK" import "$b" >"$root/o"
check "import exits 0" [ $? -eq 0 ]
check "import reports the traces" grep -q '^imported 3 traces' "$root/o"
"$SHARK" fsck >/dev/null
check "fsck clean after import" [ $? -eq 0 ]
sk "$cmd"
expect_hit "imported bundle serves the command"
expect_out "with the same output" "$want"
check "and restores the written file" [ "$(cat "$ws/out.txt")" = "$(printf 'kiwi\nbanana\napple')" ]
check "shark log names the bundle of an imported hit" sh -c "'$SHARK' log -n 1 | grep -qF '[imported from $b]'"
check "shark show says where the trace came from" sh -c "'$SHARK' show last | grep -q '^origin    imported from $b'"
check "shark log --json too" sh -c "'$SHARK' log -n 1 --json | jq -e '.[0].origin.imported_from == \"$b\"'"
"$SHARK" import "$b" >/dev/null
check "importing twice is harmless" [ $? -eq 0 ]
"$SHARK" fsck >/dev/null
check "fsck clean after a second import" [ $? -eq 0 ]

# ---- hostile bundles: each into a fresh store ----
x=$root/x
rm -rf "$x"
mkdir -p "$x"
tar --zstd -xf "$b" -C "$x"
entries=$(tar --zstd -tf "$b")
obj=$(printf '%s\n' "$entries" | grep '^objects/' | head -n 1)
obj2=$(printf '%s\n' "$entries" | grep '^objects/' | tail -n 1)
trc=$(printf '%s\n' "$entries" | grep '^traces/' | head -n 1)

# pack DIR OUT NAMES...: a tar+zstd of the given names, in that order
pack() {
	d=$1
	o=$2
	shift 2
	tar --zstd -cf "$o" -C "$d" "$@"
}

reject() { # NAME BUNDLE [PATTERN]
	rm -rf "$root/s2"
	SHARK_STORE=$root/s2 "$SHARK" import "$2" >"$root/o" 2>"$root/e"
	st=$?
	checks=$((checks + 1))
	[ $st -eq 1 ] || fail "$1: import exited $st, expected 1"
	checks=$((checks + 1))
	grep -q 'rejected, nothing imported' "$root/e" || fail "$1: no clear error ($(cat "$root/e"))"
	if [ -n "${3:-}" ]; then
		checks=$((checks + 1))
		grep -q -- "$3" "$root/e" || fail "$1: error does not say [$3]: $(cat "$root/e")"
	fi
	if [ -d "$root/s2" ]; then
		n=$(SHARK_STORE=$root/s2 "$SHARK" stats --json | jq '.traces + .actions')
		checks=$((checks + 1))
		[ "$n" -eq 0 ] || fail "$1: something was imported"
	fi
}

head -c 200 "$b" >"$root/trunc1.tzst"
reject "truncated at 200 bytes" "$root/trunc1.tzst"
size=$(wc -c <"$b")
head -c $((size - 40)) "$b" >"$root/trunc2.tzst"
reject "truncated 40 bytes short" "$root/trunc2.tzst"
printf 'not an archive at all\n' >"$root/junk"
reject "not an archive" "$root/junk"

# a blob whose content does not match its name
cp -r "$x" "$root/xb"
chmod -R u+w "$root/xb"
printf 'tampered' >"$root/xb/$obj"
pack "$root/xb" "$root/badblob.tzst" shark-bundle/VERSION $(printf '%s\n' "$entries" | grep -v VERSION)
reject "blob with a wrong hash" "$root/badblob.tzst" 'does not match'

# a trace renamed to another id
cp -r "$x" "$root/xt"
chmod -R u+w "$root/xt"
fake=traces/00000000000000000000000000000000
mv "$root/xt/$trc" "$root/xt/$fake"
pack "$root/xt" "$root/badtrace.tzst" shark-bundle/VERSION $(printf '%s\n' "$entries" | grep -v VERSION | sed "s|^$trc\$|$fake|")
reject "trace with a wrong id" "$root/badtrace.tzst"

# a missing blob (the new store does not have it either)
pack "$x" "$root/noblob.tzst" shark-bundle/VERSION $(printf '%s\n' "$entries" | grep -v VERSION | grep -v "^$obj2\$")
reject "a trace names a missing blob" "$root/noblob.tzst" 'neither in the bundle nor the store'

# no version entry
pack "$x" "$root/nover.tzst" $(printf '%s\n' "$entries" | grep -v VERSION)
reject "not a shark bundle" "$root/nover.tzst" 'not a shark bundle'

# path traversal, absolute names and a symlink, crafted with python
python3 - "$x" "$root" "$obj" <<'PY'
import io, sys, tarfile, subprocess
x, root, obj = sys.argv[1], sys.argv[2], sys.argv[3]
ver = open(x + "/shark-bundle/VERSION", "rb").read()
key = open(x + "/shark-bundle/KEY", "rb").read()
def bundle(name, extra, header=True):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        ti = tarfile.TarInfo("shark-bundle/VERSION"); ti.size = len(ver)
        t.addfile(ti, io.BytesIO(ver))
        if header:
            ti = tarfile.TarInfo("shark-bundle/KEY"); ti.size = len(key)
            t.addfile(ti, io.BytesIO(key))
        for ti, data in extra:
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    out = subprocess.run(["zstd", "-q", "-c"], input=buf.getvalue(), stdout=subprocess.PIPE).stdout
    open(root + "/" + name, "wb").write(out)
def reg(n, data):
    ti = tarfile.TarInfo(n); ti.size = len(data); return (ti, data)
bundle("dotdot.tzst", [reg("objects/../../../../../../" + root.lstrip("/") + "/escaped", b"pwned")])
bundle("abs.tzst", [reg(root + "/escaped-abs", b"pwned")])
link = tarfile.TarInfo(obj); link.type = tarfile.SYMTYPE; link.linkname = "/etc/passwd"
bundle("symlink.tzst", [(link, None)])
hard = tarfile.TarInfo(obj); hard.type = tarfile.LNKTYPE; hard.linkname = "shark-bundle/VERSION"
bundle("hardlink.tzst", [(hard, None)])
bundle("badver.tzst", [])
bundle("versiononly.tzst", [], header=False)
old = tarfile.TarInfo("shark-bundle/VERSION"); old.size = 15
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    t.addfile(old, io.BytesIO(b"shark-bundle 1\n"))
open(root + "/v1.tzst", "wb").write(subprocess.run(["zstd", "-q", "-c"], input=buf.getvalue(), stdout=subprocess.PIPE).stdout)
PY
reject "path traversal" "$root/dotdot.tzst" 'unexpected entry name'
reject "absolute entry name" "$root/abs.tzst" 'unexpected entry name'
reject "symlink entry" "$root/symlink.tzst" 'not a regular file'
reject "hard link entry" "$root/hardlink.tzst" 'not a regular file'
check "nothing escaped the store" [ ! -e "$root/escaped" ] && [ ! -e "$root/escaped-abs" ]
rm -rf "$root/s2"
SHARK_STORE=$root/s2 "$SHARK" import "$root/badver.tzst" >/dev/null 2>&1
check "a bundle of only its header imports nothing but is valid" [ $? -eq 0 ]
reject "a bundle without its key fingerprint" "$root/versiononly.tzst" 'no key fingerprint'
reject "a bundle of format 1 (unkeyed hashes)" "$root/v1.tzst" 'unsupported bundle version'
unset SHARK_HASH_KEY_FILE

# ---- a trace pushed out of its action's list (16 newer ones) ----
export SHARK_STORE=$root/s3
i=0
while [ $i -lt 17 ]; do
	"$SHARK" -f -c '/bin/echo again' >/dev/null
	i=$((i + 1))
done
first=$("$SHARK" log --json | jq -r '[.[] | select(.command == "/bin/echo again")] | min_by(.id) | .id')
"$SHARK" export --all -o "$root/s3.tzst" >"$root/o"
check "export --all leaves a superseded trace out" grep -q '^exported 16 traces' "$root/o"
"$SHARK" export "$first" -o "$root/s3one.tzst" >"$root/o" 2>&1
check "exporting a superseded run fails" [ $? -eq 1 ]
check "and says why" grep -q 'superseded' "$root/o"
SHARK_STORE=$root/s4 SHARK_HASH_KEY_FILE=$root/s3/key "$SHARK" import "$root/s3.tzst" >"$root/o" 2>&1
check "and the bundle imports" grep -q '^imported 16 traces' "$root/o"

finish
