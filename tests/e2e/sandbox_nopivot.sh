#!/bin/sh
# sandbox_nopivot.sh - the sandbox's isolation, escape and /tmp tests again
# on the path of kernels before 6.15: SANDBOX_NO_PIVOT_AHEAD makes a
# prepared pid 1 keep the host's tree until the plan's mounts are made and
# pivot after them (docs/sandbox.md, "Pivoted before the plan"), where
# Linux 6.15 and later pivot before the plan. Both paths must hold the
# same sandbox; the other scripts run the default one.
# (tests/unit/test_sandbox_prep.c checks that the hook takes effect.)
dir=$(cd "$(dirname "$0")" && pwd)
SANDBOX_NO_PIVOT_AHEAD=1
export SANDBOX_NO_PIVOT_AHEAD
status=0
for t in sandbox sandbox_escape sandbox_tmp sandbox_init; do
	if ! sh "$dir/$t.sh"; then
		echo "FAIL: $t.sh without the pivot before the plan"
		status=1
	fi
done
exit "$status"
