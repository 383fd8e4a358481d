#!/usr/bin/env python3
"""script_cpu.py - CPU and wall time per cold command of a 100-command
script, two shark builds alternating (docs/performance.md, the eighth
round's sections).

    python3 tests/bench/script_cpu.py PAIRS SHARK BASELINE_SHARK

Each pair runs a new script of cold.py's generator (every command a miss)
under each build in turn, the order alternating from pair to pair, each
with a store of its own, under `perf stat -e task-clock` (the CPU of every
process and thread of the script: the shell, pid 1s, tracers, commands).
Prints each build's median CPU and wall time per command and the ratios.
Needs perf (linux-perf) and permission to count (root, or
kernel.perf_event_paranoid <= 1)."""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cold import script  # noqa: E402


def one(shark, path, ws, top):
    store = tempfile.mkdtemp(dir=top)
    env = dict(os.environ, SHARK_STORE=os.path.join(store, "store"))
    t = time.monotonic()
    r = subprocess.run(["perf", "stat", "-x,", "-e", "task-clock", shark, path],
                       cwd=ws, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    wall = (time.monotonic() - t) * 1e3
    shutil.rmtree(store)
    cpu = None
    for line in r.stderr.splitlines():
        if "task-clock" in line:
            cpu = float(line.split(",")[0])
    if r.returncode != 0 or cpu is None:
        sys.exit("script_cpu: %s failed (%d): %s" % (shark, r.returncode, r.stderr[-500:]))
    return cpu / 100, wall / 100


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    pairs = int(sys.argv[1])
    builds = {"shark": os.path.abspath(sys.argv[2]), "baseline": os.path.abspath(sys.argv[3])}
    top = tempfile.mkdtemp(prefix="shark-bench-scriptcpu.")
    ws = os.path.join(top, "ws")
    os.mkdir(ws)
    with open(os.path.join(ws, "small.txt"), "w") as f:
        f.write("hello, cold path\n" * 64)
    stamp = int(time.time()) % 100000
    cpu = {n: [] for n in builds}
    wall = {n: [] for n in builds}
    names = list(builds)
    for k in range(pairs):
        path = os.path.join(top, "s%d.sh" % k)
        order = names if k % 2 == 0 else names[::-1]
        for n in order:
            with open(path, "w") as f:  # a new script per run: all misses
                f.write(script(stamp * 1000 + k * 2 + order.index(n)))
            c, w = one(builds[n], path, ws, top)
            cpu[n].append(c)
            wall[n].append(w)
    shutil.rmtree(top)
    for n in names:
        print("%-9s CPU per command %6.2f ms, wall %6.2f ms (medians of %d; CPU %s)" %
              (n, statistics.median(cpu[n]), statistics.median(wall[n]), pairs,
               " ".join("%.1f" % x for x in cpu[n])))
    ratios = sorted(a / b for a, b in zip(cpu["shark"], cpu["baseline"]))
    print("CPU shark/baseline: %.3f (medians), per pair %.2f-%.2f, median %.3f" %
          (statistics.median(cpu["shark"]) / statistics.median(cpu["baseline"]),
           ratios[0], ratios[-1], statistics.median(ratios)))
    print("wall shark/baseline: %.3f (medians)" %
          (statistics.median(wall["shark"]) / statistics.median(wall["baseline"])))


if __name__ == "__main__":
    main()
