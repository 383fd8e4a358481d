#!/bin/sh
# sandbox.sh - the sandbox's start-up, traced system call and python import
# costs against plain execution and bubblewrap (docs/performance.md,
# "Sandbox"). Runs from an empty workspace in $TMPDIR.
set -eu
: "${BUILD:?}"
command -v bwrap >/dev/null || { echo "sandbox bench: bwrap not installed"; exit 1; }
ws=$(mktemp -d "${TMPDIR:-/tmp}/sbx-bench.XXXXXX")
trap 'rm -rf "$ws"' EXIT
cd "$ws"
"$BUILD/bench/bench_sandbox" "$BUILD/tests/helpers" "${SANDBOX_BENCH_RUNS:-30}"
