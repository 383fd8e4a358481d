# lib.sh - shared helpers for the end-to-end tests (sourced, not run).
#
# Each test gets a private root with a workspace ($ws) and a store ($store)
# outside it, and runs the real shark binary ($SHARK) the way a user does.
# SHARK_NOTICES=1 makes shark print "shark: cached" on stderr for every hit, which is how
# the tests tell a hit from a re-execution.

: "${SHARK:?SHARK must name the shark binary}"
root=$(mktemp -d "${TMPDIR:-/tmp}/shark-e2e.XXXXXX")
ws=$root/ws
store=$root/store
mkdir -p "$ws"
export SHARK_STORE="$store" SHARK_WORKSPACE="$ws"
cd "$ws" || exit 1
# (chmod first: an overlay work dir left by a killed run has mode 000)
trap 'chmod -R u+rwx "$root" 2>/dev/null; rm -rf "$root"' EXIT
failures=0
checks=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# sk SCRIPT: run SCRIPT under shark -v; output in $out, stderr in $err,
# status in $st.
sk() {
	SHARK_NOTICES=1 "$SHARK" -c "$1" >"$root/out" 2>"$root/err"
	st=$?
	out=$(cat "$root/out")
	err=$(cat "$root/err")
}

# ref SCRIPT: run SCRIPT under dash for the expected result ($rout, $rst).
ref() {
	dash -c "$1" >"$root/rout" 2>/dev/null
	rst=$?
	rout=$(cat "$root/rout")
}

# like_bash NAME SCRIPT: the last sk's stdout and status equal bash's for
# SCRIPT, run in the same dir.
like_bash() {
	checks=$((checks + 1))
	bout=$(bash -c "$2" 2>/dev/null)
	bst=$?
	[ "$out" = "$bout" ] && [ "$st" = "$bst" ] ||
		fail "$1: shark gave [$out] status $st, bash [$bout] status $bst"
}

is_hit() { grep -q 'shark: cached' "$root/err"; }

# expect_hit NAME / expect_miss NAME: the last sk was (not) served from the
# store.
expect_hit() {
	checks=$((checks + 1))
	is_hit || fail "$1: expected a hit, the command ran (stderr: $err)"
}
expect_miss() {
	checks=$((checks + 1))
	is_hit && fail "$1: expected re-execution, got a stale hit (stdout: $out)"
	return 0
}

# expect_out NAME TEXT: the last sk printed exactly TEXT.
expect_out() {
	checks=$((checks + 1))
	[ "$out" = "$2" ] || fail "$1: stdout was [$out], expected [$2]"
}

# same_as_dash NAME SCRIPT: shark's stdout and status equal dash's.
same_as_dash() {
	checks=$((checks + 1))
	ref "$2"
	[ "$out" = "$rout" ] && [ "$st" = "$rst" ] ||
		fail "$1: shark gave [$out] status $st, dash [$rout] status $rst"
}

finish() {
	echo "$checks checks, $failures failed"
	[ "$failures" -eq 0 ]
}
