#!/bin/sh
# provenance.sh - `shark lineage` and `shark why` on a history of 100,000
# runs (run by `make bench` with $BUILD set), beside `shark stats`. The
# store is built on /dev/shm when it is writable (100,000 small blobs);
# PROV_BENCH_DIR picks another place, PROV_BENCH_RUNS the size.
set -eu
: "${BUILD:?run through make bench}"
dir=${PROV_BENCH_DIR:-}
if [ -z "$dir" ]; then
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then dir=/dev/shm; else dir=${TMPDIR:-/tmp}; fi
fi
echo "provenance: store in $dir"
TMPDIR=$dir exec "$BUILD/bench/bench_provenance" --runs "${PROV_BENCH_RUNS:-100000}" --reps "${PROV_BENCH_REPS:-3}"
