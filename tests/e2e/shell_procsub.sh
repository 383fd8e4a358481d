#!/bin/sh
# shell_procsub.sh - bash's process substitution (issue 16): <(cmd) and
# >(cmd) work with sandboxed commands on both sides, the commands inside
# are memoized and so is the consumer of <(...) (`diff <(sort a) <(sort b)`
# hits whole on the 2nd run: it read content files named by their
# content), a change in the inputs shows, a producer that does not end
# (`<(yes)`) still streams through a FIFO, and no FIFO is left behind.
. "$(dirname "$0")/../lib/e2e.sh"

tdir=$(mktemp -d "${TMPDIR:-/tmp}/shark-psub.XXXXXX")
export TMPDIR="$tdir"

# bk SCRIPT: sk in bash mode
bk() {
	SHARK_NOTICES=1 "$SHARK" --bash -c "$1" >"$root/out" 2>"$root/err"
	st=$?
	out=$(cat "$root/out")
	err=$(cat "$root/err")
}
hits() { grep -c 'shark: cached' "$root/err"; }

printf 'c\na\nb\n' >x
printf 'b\nc\nd\n' >y
want=$(bash -c 'diff <(sort x) <(sort y); echo "st=$?"')
bk 'diff <(sort x) <(sort y); echo "st=$?"'
expect_out diff-run1 "$want"
checks=$((checks + 1))
[ "$(hits)" = 0 ] || fail "run 1: nothing can hit yet ($err)"
bk 'diff <(sort x) <(sort y); echo "st=$?"'
expect_out diff-run2 "$want"
checks=$((checks + 1))
[ "$(hits)" = 3 ] || fail "run 2: both sorts and diff hit (got $(hits) hits: $err)"
checks=$((checks + 1))
"$SHARK" log -n 1 >"$root/log"
grep -q ' hit .*\$ diff ' "$root/log" || fail "run 2: shark log shows no diff hit: $(cat "$root/log")"

# a changed input: its sort runs again, diff sees the new content
printf 'x\nb\nc\n' >x
want=$(bash -c 'diff <(sort x) <(sort y); echo "st=$?"')
bk 'diff <(sort x) <(sort y); echo "st=$?"'
expect_out diff-changed "$want"
checks=$((checks + 1))
[ "$(hits)" = 1 ] || fail "changed x: only sort y hits (got $(hits) hits: $err)"
checks=$((checks + 1))
"$SHARK" log -n 1 >"$root/log"
grep -q ' miss .*\$ diff ' "$root/log" || fail "changed x: diff runs again: $(cat "$root/log")"

# more consumers of content: each hits on its 2nd run, same output as bash
printf 'k1\tv1\nk2\tv2\n' >f
for cmd in 'comm -12 <(sort x) <(sort y)' 'paste <(cut -f1 f) <(cut -f2 f)' \
	'diff <(sort x) <(sort y) | tail -n +2'; do
	want=$(bash -c "$cmd")
	bk "$cmd"
	expect_out "cold: $cmd" "$want"
	bk "$cmd"
	expect_out "warm: $cmd" "$want"
	checks=$((checks + 1))
	"$SHARK" log -n 4 >"$root/log"
	grep -q " hit .*\\$ ${cmd%% *} " "$root/log" ||
		fail "warm: $cmd: its consumer does not hit: $(cat "$root/log")"
done
# the same content has the same path; another content another one
bk 'echo <(echo one) <(echo one) <(echo two)'
set -- $out
checks=$((checks + 1))
[ "$1" = "$2" ] && [ "$1" != "$3" ] || fail "content paths: $out"
# the content directory is the user's own, mode 0700; a symlink in its
# place or one open to others is refused: the FIFO is used (no hit)
checks=$((checks + 1))
cdir=$tdir/shark-psub-$(id -u)
[ "$(stat -c '%a %u' "$cdir")" = "700 $(id -u)" ] || fail "content dir: $(stat -c '%a %u' "$cdir")"
mv "$cdir" "$tdir/elsewhere"
ln -s "$tdir/elsewhere" "$cdir"
bk 'cat <(echo via-link)'
expect_out symlink-refused "via-link"
checks=$((checks + 1))
case $err in *"$tdir/elsewhere"*) fail "content dir through a symlink" ;; esac
"$SHARK" log -n 1 >"$root/log"
grep -q 'shark-procsub\.' "$root/log" || fail "symlinked content dir was used: $(cat "$root/log")"
rm "$cdir"
mv "$tdir/elsewhere" "$cdir"
chmod 0755 "$cdir"
bk 'cat <(echo open-dir)'
expect_out open-dir-refused "open-dir"
checks=$((checks + 1))
"$SHARK" log -n 1 >"$root/log"
grep -q 'shark-procsub\.' "$root/log" || fail "a content dir open to others was used: $(cat "$root/log")"
chmod 0700 "$cdir"
# cleanup: a content file nobody used for a day goes when a shell writes
# a new one; one a shell holds (shared lock) stays, however old
printf old >"$cdir/0123456789abcdef0123456789abcdef-0"
printf held >"$cdir/0123456789abcdef0123456789abcdef-1"
touch -d '2 days ago' "$cdir/0123456789abcdef0123456789abcdef-0" "$cdir/0123456789abcdef0123456789abcdef-1"
flock -s "$cdir/0123456789abcdef0123456789abcdef-1" sleep 5 &
holder=$!
sleep 1
bk "cat <(echo fresh-content-$$)"
expect_out prune-run "fresh-content-$$"
checks=$((checks + 1))
[ ! -e "$cdir/0123456789abcdef0123456789abcdef-0" ] || fail "an old unused content file was not removed"
checks=$((checks + 1))
[ -e "$cdir/0123456789abcdef0123456789abcdef-1" ] || fail "a content file in use was removed"
wait "$holder"
# a producer that ends late still gives everything, in order
bk 'cat <(echo early; sleep 4; echo late)'
expect_out slow-producer "early
late"
bk 'wc -l < <(seq 5)'
expect_out redirect-wc "5"

# the other forms: a loop reading < <(...), a writer into >(...), several
# on one line, one whose consumer never opens it
bk 'while read -r l; do echo "l=$l"; done < <(printf "1\n2\n")'
expect_out redirect-from "l=1
l=2"
bk 'echo abc > >(tr a-z A-Z)'
expect_out write-into "ABC"
bk 'paste <(seq 3) <(seq 4 6) <(seq 7 9)'
expect_out three "$(printf '1\t4\t7\n2\t5\t8\n3\t6\t9')"
bk 'echo <(seq 100000) >/dev/null; echo >(cat) >/dev/null; echo done'
expect_out unopened "done"
bk 'f() { cat "$1"; }; f <(echo in-function)'
expect_out function-arg "in-function"
# the consumer stops reading: the producer ends (SIGPIPE), nothing hangs
SHARK_NOTICES=1 timeout 30 "$SHARK" --bash -c 'head -n 1 <(yes); echo after' >"$root/out" 2>"$root/err"
st=$?
out=$(cat "$root/out")
expect_out consumer-stops "y
after"

# POSIX mode keeps <( a syntax error, as dash
sk 'cat <(echo x)'
checks=$((checks + 1))
[ "$st" = 2 ] || fail "POSIX mode: <( is a syntax error (status $st, out $out)"

checks=$((checks + 1))
left=$(find "$tdir" -name 'shark-procsub.*' | wc -l)
[ "$left" = 0 ] || fail "FIFO directories left behind: $left"
rm -rf "$tdir"
finish
