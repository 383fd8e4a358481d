#!/bin/sh
# run.sh BUILD - run every benchmark; each prints its own table of ratios.
set -eu
BUILD=${1:?usage: run.sh BUILD}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
BUILD=$(cd "$BUILD" && pwd)
export BUILD
for b in tests/bench/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	[ -f "$b" ] || continue
	echo "== $(basename "$b" .sh)"
	sh "$b"
	echo
done
