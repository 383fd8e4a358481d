#!/bin/sh
# pipelines.sh - real text pipelines (1 MB, 30 MB) and `cat big | md5sum |
# cut -c1-8` over 1 GiB, cold, against dash (issue 15; docs/performance.md,
# "Pipelines cold"). PIPE_BENCH_RUNS (default 10) sets the number of
# alternating runs, PIPE_BENCH_BASELINE another shark build to time beside
# this one, PIPE_BENCH_SIZES and PIPE_BENCH_GIB the inputs.
set -eu
: "${BUILD:?}"
command -v dash >/dev/null || { echo "pipelines bench: dash not installed (make deps)"; exit 1; }
exec python3 "$(dirname "$0")/pipelines.py" "$BUILD/bin/shark" "${PIPE_BENCH_RUNS:-10}" \
	${PIPE_BENCH_BASELINE:+"$PIPE_BENCH_BASELINE"}
