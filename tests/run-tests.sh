#!/bin/sh
# run-tests.sh BUILD - run shark's whole test suite against the build in BUILD.
#
# Layers, in order: Criterion unit tests per module, fuzz corpora replayed
# through the fuzz targets, end-to-end scripts that drive the real shark
# binary, and the conformance suite (shark against recorded dash output).
# Unit and e2e tests run as the invoking user and, when that is root, again
# as an unprivileged user (tests/as-user.sh). The last line is the summary
# "N passed, N failed".
set -u
BUILD=${1:?usage: run-tests.sh BUILD}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
BUILD=$(cd "$BUILD" && pwd)
SHARK=$BUILD/bin/shark
export BUILD SHARK
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
failures=""
log=$(mktemp -d "${TMPDIR:-/tmp}/shark-tests.XXXXXX")
chmod 755 "$log"

step() {
	name=$1
	shift
	out="$log/$(printf '%s' "$name" | tr -c 'A-Za-z0-9_.-' '_').log"
	start=$(date +%s)
	if "$@" >"$out" 2>&1; then
		passed=$((passed + 1))
		printf 'ok    %-48s %ss\n' "$name" "$(($(date +%s) - start))"
	else
		failed=$((failed + 1))
		failures="$failures $name"
		printf 'FAIL  %-48s (log follows)\n' "$name"
		tail -n 60 "$out" | sed 's/^/    | /'
	fi
}

root=0
[ "$(id -u)" -eq 0 ] && root=1

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	step "unit/$n" "$t" --jobs 2
	[ "$root" -eq 1 ] && step "unit/$n (unprivileged)" sh tests/as-user.sh "$t" --jobs 2
done

for f in "$BUILD"/tests/fuzz_*; do
	[ -x "$f" ] || continue
	n=$(basename "$f")
	corpus=tests/fuzz/corpus/${n#fuzz_}
	step "fuzz-corpus/$n" "$f" "$corpus"
done

for e in tests/e2e/*.sh; do
	[ -f "$e" ] || continue
	step "e2e/$(basename "$e")" sh "$e"
	[ "$root" -eq 1 ] && step "e2e/$(basename "$e") (unprivileged)" sh tests/as-user.sh sh "$top/$e"
done

if [ -f tests/conformance/run.sh ]; then
	step "conformance" sh tests/conformance/run.sh "$SHARK"
fi

rm -rf "$log"
echo
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
