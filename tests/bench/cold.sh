#!/bin/sh
# cold.sh - the cold path as a user starts it (issue 15): `shark -c
# 'nocache /bin/true'` against bubblewrap and dash, `shark -c true` against
# `dash -c true`, and a script of 100 distinct cold commands against dash;
# medians of alternating runs, printed as ratios (docs/performance.md,
# "The cold path"). COLD_BENCH_RUNS (default 15) sets the number of runs,
# COLD_BENCH_BASELINE another shark build to time beside this one.
set -eu
: "${BUILD:?}"
command -v bwrap >/dev/null || { echo "cold bench: bwrap not installed (make deps)"; exit 1; }
command -v dash >/dev/null || { echo "cold bench: dash not installed (make deps)"; exit 1; }
exec python3 "$(dirname "$0")/cold.py" "$BUILD/bin/shark" "${COLD_BENCH_RUNS:-15}" \
	${COLD_BENCH_BASELINE:+"$COLD_BENCH_BASELINE"}
