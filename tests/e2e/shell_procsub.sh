#!/bin/sh
# shell_procsub.sh - bash's process substitution (issue 16): <(cmd) and
# >(cmd) work with sandboxed commands on both sides, the commands inside
# are memoized (the sorts of `diff <(sort a) <(sort b)` hit on the 2nd
# run), the consumer that read the FIFOs is never replayed (a change in
# the inputs shows), and nothing is left in the temporary area.
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
[ "$(hits)" = 2 ] || fail "run 2: both sorts hit, diff runs (got $(hits) hits: $err)"

# a changed input: its sort runs again, diff sees the new content
printf 'x\nb\nc\n' >x
want=$(bash -c 'diff <(sort x) <(sort y); echo "st=$?"')
bk 'diff <(sort x) <(sort y); echo "st=$?"'
expect_out diff-changed "$want"
checks=$((checks + 1))
[ "$(hits)" = 1 ] || fail "changed x: only sort y hits (got $(hits) hits: $err)"

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
