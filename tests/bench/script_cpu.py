#!/usr/bin/env python3
"""script_cpu.py - the CPU a cold script costs, two builds alternating
(docs/performance.md, "The sandbox's own tree copied into it").

    python3 tests/bench/script_cpu.py SHARK BASELINE_SHARK [PAIRS]

Each pair runs, for each build in turn, a new script of 100 distinct
commands (cold.py's kinds, with arguments no earlier run used: every one a
miss) under `perf stat -x, -e task-clock,page-faults` with a fresh store:
the CPU of the shell and of everything it started (its pid 1s, their
commands, its zygote; not the kernel's workers). The first pair is a
warm-up and dropped. Prints each build's median task-clock per script
(and per command), the ratio of the medians, and the page faults.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cold import script  # noqa: E402


def perf_stat(shark, path, ws, store):
    env = dict(os.environ, SHARK_STORE=store, SHARK_WORKSPACE=ws)
    env.pop("SHARK_NOTICES", None)
    r = subprocess.run(["perf", "stat", "-x,", "-e", "task-clock,page-faults", shark, path],
                       cwd=ws, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit("script_cpu: %s failed: %s" % (shark, r.stderr.decode(errors="replace")))
    got = {}
    for line in r.stderr.decode().splitlines():
        f = line.split(",")
        if len(f) > 2 and f[2] in ("task-clock", "page-faults"):
            got[f[2]] = float(f[0])
    return got["task-clock"], got["page-faults"]


def main():
    builds = {"this": os.path.abspath(sys.argv[1]), "baseline": os.path.abspath(sys.argv[2])}
    pairs = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    top = tempfile.mkdtemp(prefix="shark-bench-script-cpu.")
    try:
        ws = os.path.join(top, "ws")
        os.mkdir(ws)
        with open(os.path.join(ws, "small.txt"), "w") as f:
            f.write("hello, cold path\n" * 64)
        cpu = {n: [] for n in builds}
        faults = {n: [] for n in builds}
        k = 0
        for p in range(pairs + 1):
            for n, b in builds.items():
                k += 1
                path = os.path.join(top, "s%d.sh" % k)
                with open(path, "w") as f:
                    f.write(script(k + 7000))
                store = os.path.join(top, "store%d" % k)
                c, pf = perf_stat(b, path, ws, store)
                shutil.rmtree(store, ignore_errors=True)
                if p:
                    cpu[n].append(c)
                    faults[n].append(pf)
        med = {n: statistics.median(v) for n, v in cpu.items()}
        for n in builds:
            print("%-8s task-clock per script %8.1f ms (%.2f ms per command; min %.1f, max %.1f),"
                  " page faults %.0f" % (n, med[n], med[n] / 100, min(cpu[n]), max(cpu[n]),
                                         statistics.median(faults[n])))
        print("ratio this / baseline: %.3fx (%d pairs)" % (med["this"] / med["baseline"], pairs))
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
