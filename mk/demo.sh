#!/bin/sh
# demo.sh BUILD - shark's main job in half a minute: a real pipeline run
# cold, then served from the store, then with its last stage edited (only
# that stage re-runs, fed from the cached intermediate result).
set -eu
BUILD=${1:?usage: demo.sh BUILD}
shark=$(cd "$BUILD/bin" && pwd)/shark
dir=$(mktemp -d "${TMPDIR:-/tmp}/shark-demo.XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/ws"
cd "$dir/ws"
export SHARK_STORE="$dir/store" SHARK_WORKSPACE="$dir/ws" SHARK_NOTICES=1

# An event log: 400,000 lines of "user<id> <action> <ms>".
awk 'BEGIN { srand(42); for (i = 1; i <= 400000; i++)
	printf "user%d %s %d\n", int(5000 * rand() * rand()), (i % 3 ? "view" : "buy"), (i * 31) % 997 }' \
	>events.log

now_ms() { date +%s%3N; }
run() {
	printf '\n$ %s\n' "$1"
	t0=$(now_ms)
	"$shark" -c "$1"
	t1=$(now_ms)
	printf '  (%s ms)\n' "$((t1 - t0))"
}

echo "shark demo: every command runs in a sandbox and is remembered in $SHARK_STORE"
p='grep buy events.log | cut -d" " -f1 | sort | uniq -c | sort -rn | head -n 3'
echo
echo "1. cold: every stage runs"
run "$p"
echo
echo "2. the same pipeline again: served from the store"
run "$p"
echo
echo "3. the last stage edited: only it re-runs, fed from the cached sort"
run 'grep buy events.log | cut -d" " -f1 | sort | uniq -c | sort -rn | head -n 5'
echo
echo "4. an input changed: the pipeline is recomputed"
echo "user1 buy 1" >>events.log
run "$p"
