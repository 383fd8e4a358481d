#!/bin/sh
# maint.sh - store maintenance benchmark (run by `make bench` with $BUILD
# set): gc over 50,000 traces and 100,000 blobs, beside a `find` walk of
# the same objects.
#
# Filling the store creates 100,000 small files; on a slow shared disk that
# alone takes minutes (about 5 ms per create+rename here), so the store is
# built on /dev/shm (tmpfs) when it is writable, which measures gc's own
# cost. MAINT_BENCH_DIR picks another place (e.g. $TMPDIR for the disk),
# MAINT_BENCH_TRACES the size.
set -eu
: "${BUILD:?run through make bench}"
dir=${MAINT_BENCH_DIR:-}
if [ -z "$dir" ]; then
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then dir=/dev/shm; else dir=${TMPDIR:-/tmp}; fi
fi
echo "maint: store in $dir"
TMPDIR=$dir exec "$BUILD/bench/bench_maint" --traces "${MAINT_BENCH_TRACES:-50000}" --reps "${MAINT_BENCH_REPS:-3}"
