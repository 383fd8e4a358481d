#!/usr/bin/env python3
"""script_ab.py - cold scripts of distinct commands under several shark
builds, alternating (docs/performance.md, "The command's run under the
tracer").

    python3 tests/bench/script_ab.py ROUNDS SHARK [SHARK...]

Each round runs, for each build in turn, a new script of 60 distinct
commands (cold.py's kinds, with arguments no earlier run used: every one a
miss), each build with a store of its own; the first round is dropped.
Prints each build's median, minimum and ratio to the first build's median.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cold import script  # noqa: E402


def main():
    rounds = int(sys.argv[1])
    builds = [os.path.abspath(b) for b in sys.argv[2:]]
    d = tempfile.mkdtemp(prefix="shark-bench-script-ab.")
    try:
        ws = os.path.join(d, "ws")
        os.mkdir(ws)
        with open(os.path.join(ws, "small.txt"), "w") as f:
            f.write("hello, cold path\n" * 64)
        res = {b: [] for b in builds}
        k = 0
        for r in range(rounds + 1):
            for i, b in enumerate(builds):
                k += 1
                p = os.path.join(d, "s%d.sh" % k)
                with open(p, "w") as f:
                    f.write(script(k + 5000, 60))
                env = dict(os.environ, SHARK_STORE=os.path.join(d, "st%d" % i),
                           SHARK_WORKSPACE=ws)
                env.pop("SHARK_NOTICES", None)
                with open(os.path.join(d, "out"), "wb") as f:
                    t0 = time.perf_counter_ns()
                    subprocess.run([b, p], stdin=subprocess.DEVNULL, stdout=f,
                                   stderr=subprocess.DEVNULL, cwd=ws, env=env, check=True)
                    if r:
                        res[b].append((time.perf_counter_ns() - t0) / 1e6)
        first = statistics.median(res[builds[0]])
        for b in builds:
            m = statistics.median(res[b])
            print("%-40s median %.1f ms  (min %.1f, n %d)  / first %.3f"
                  % (b, m, min(res[b]), len(res[b]), m / first))
    finally:
        subprocess.run(["rm", "-rf", d])


if __name__ == "__main__":
    main()
