#!/bin/sh
# maint.sh - store maintenance benchmark (run by `make bench` with $BUILD
# set): gc over 50,000 traces and 100,000 blobs, beside a `find` walk of
# the same objects. Needs about 1 GiB free in $TMPDIR (small files).
set -eu
: "${BUILD:?run through make bench}"
exec "$BUILD/bench/bench_maint" --traces "${MAINT_BENCH_TRACES:-50000}" --reps "${MAINT_BENCH_REPS:-3}"
