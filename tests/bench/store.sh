#!/bin/sh
# store.sh - the store's benchmark (run by `make bench` with $BUILD set).
#
# bench_store makes a 1 GiB file and 10,000 small files in a private
# directory under $TMPDIR (removed when it exits), and prints blob put /
# import / verified read against `xxh128sum` on the same page-cached file,
# stat-cache checks of the unchanged files, and index latencies. Needs about
# 3 GiB free in $TMPDIR (the file, one object, one temp copy).
set -eu
: "${BUILD:?run through make bench}"
command -v xxh128sum >/dev/null || { echo "store.sh: xxh128sum is missing (apt-get install xxhash)" >&2; exit 1; }
exec "$BUILD/bench/bench_store" --mib "${STORE_BENCH_MIB:-1024}" --reps "${STORE_BENCH_REPS:-5}" --files 10000
