#!/usr/bin/env python3
"""cpu_pairs.py - CPU, new inodes and page faults per cold command, two
builds in pairs (docs/performance.md, "Scratch skeletons reused" and "A
mount base held by the zygote", whose figures an earlier copy of this
loop, script_cpu.py, took).

    python3 tests/bench/cpu_pairs.py NEW_SHARK BASE_SHARK [PAIRS]

Each pair is a new 100-command script from cold.py's generator (every
command misses), run by both builds in turn (the order alternating from
one pair to the next), each with a store of its own, under `perf stat -e
task-clock,page-faults,ext4:ext4_allocate_inode,ext4:ext4_free_inode,
duration_time` (every process of the script counted). Prints each pair, then the medians
per build (CPU per command, inodes made and freed per script, wall time)
and the per-pair CPU ratios NEW / BASE. Needs perf and the ext4 trace
points (root, or perf_event_paranoid allowing them).
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cold  # noqa: E402

EVENTS = "task-clock,page-faults,ext4:ext4_allocate_inode,ext4:ext4_free_inode,duration_time"


def run(shark, script, ws, store):
    env = dict(os.environ, SHARK_STORE=store, SHARK_WORKSPACE=ws)
    env.pop("SHARK_NOTICES", None)
    r = subprocess.run(["perf", "stat", "-x,", "-e", EVENTS, shark, script], cwd=ws, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    v = {}
    for line in r.stderr.splitlines():
        f = line.split(",")
        if len(f) > 3 and f[0] not in ("", "<not counted>", "<not supported>"):
            v[f[2]] = float(f[0])
    return {"cpu": v["task-clock"] / 100, "alloc": v["ext4:ext4_allocate_inode"],
            "free": v["ext4:ext4_free_inode"], "wall": v["duration_time"] / 1e6,
            "faults": v["page-faults"]}


def main():
    builds = {"new": os.path.abspath(sys.argv[1]), "base": os.path.abspath(sys.argv[2])}
    pairs = int(sys.argv[3]) if len(sys.argv) > 3 else 9
    top = tempfile.mkdtemp(prefix="shark-bench-pairs.")
    try:
        ws = os.path.join(top, "ws")
        os.mkdir(ws)
        with open(os.path.join(ws, "small.txt"), "w") as f:
            f.write("hello, cold path\n" * 64)
        stores = {k: os.path.join(top, "store-" + k) for k in builds}
        warm = os.path.join(top, "warm.sh")
        with open(warm, "w") as f:
            f.write(cold.script(999))
        for k, b in builds.items():
            run(b, warm, ws, stores[k])
        res = {k: [] for k in builds}
        order = list(builds)
        for i in range(pairs):
            path = os.path.join(top, "s%d.sh" % i)
            with open(path, "w") as f:
                f.write(cold.script(1000 + i))
            for k in order if i % 2 == 0 else order[::-1]:
                res[k].append(run(builds[k], path, ws, stores[k]))
            print(i, {k: (round(res[k][-1]["cpu"], 2), res[k][-1]["alloc"],
                          round(res[k][-1]["wall"])) for k in builds},
                  "load %.1f" % os.getloadavg()[0], flush=True)
        for k in builds:
            med = {m: statistics.median(r[m] for r in res[k]) for m in res[k][0]}
            print("%-4s CPU per command %.2f ms, inodes made %d, freed %d per script, wall %.0f ms,"
                  " page faults %d" % (k, med["cpu"], med["alloc"], med["free"], med["wall"],
                                       med["faults"]))
        ratios = sorted(a["cpu"] / b["cpu"] for a, b in zip(res["new"], res["base"]))
        print("CPU new / base per pair:", " ".join("%.2f" % x for x in ratios),
              "median %.3f" % statistics.median(ratios))
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
