#!/usr/bin/env python3
"""ab.py - one `shark -c CMD` of two builds, alternating (docs/performance.md).

    python3 tests/bench/ab.py NEW_SHARK BASE_SHARK RUNS 'CMD'

Each sample is one spawn and wait, stdin /dev/null, stdout a file, stderr a
pipe (as tests/bench/cold.py times them); the two builds alternate in each
round, each with a store of its own in a fresh temporary directory; the
first round is dropped. Prints the medians and new / base.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    new, base, n, cmd = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    d = tempfile.mkdtemp()
    ws = os.path.join(d, "ws")
    os.mkdir(ws)
    res = {new: [], base: []}
    for _ in range(n):
        for i, s in enumerate((new, base)):
            env = dict(os.environ, SHARK_STORE=os.path.join(d, "store%d" % i))
            with open(os.path.join(d, "out"), "wb") as f:
                t0 = time.perf_counter_ns()
                subprocess.run([s, "-c", cmd], stdin=subprocess.DEVNULL, stdout=f,
                               stderr=subprocess.PIPE, cwd=ws, env=env)
                res[s].append((time.perf_counter_ns() - t0) / 1e6)
    mn, mb = statistics.median(res[new][1:]), statistics.median(res[base][1:])
    print("new %.2f ms, base %.2f ms, new / base %.3f" % (mn, mb, mn / mb))
    subprocess.run(["rm", "-rf", d])


if __name__ == "__main__":
    main()
