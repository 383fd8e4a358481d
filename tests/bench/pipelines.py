#!/usr/bin/env python3
"""pipelines.py - real text pipelines, cold, against dash, side by side in
one run (issue 15, docs/performance.md "Pipelines cold").

    python3 tests/bench/pipelines.py SHARK [RUNS] [BASELINE_SHARK]

Rows, each the median of RUNS (default 10) runs whose variants alternate
(dash, shark, baseline, in that order in every round, so the machine's
load moves them alike); ratio = shark / dash:

  * the pipelines of tests/bench/pipelines.txt (those of memo.sh and two
    with a big intermediate) on generated 1 MB and 30 MB inputs, cold:
    every run has an exported variable no earlier run had (BENCH_ROUND),
    so every stage of it misses, runs in the sandbox and is recorded;
    geometric means per size;
  * `cat big | md5sum | cut -c1-8` over a 1 GiB file, cold likewise.

Stdin is /dev/null and stdout a file (never /dev/null: GNU grep stops at
the first match there). Everything is in a fresh temporary directory,
deleted at the end (the 1 GiB file too). PIPE_BENCH_SIZES ("1 30") and
PIPE_BENCH_GIB (1; 0 skips the row) change the inputs.
"""
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".split()


def gen(path, mb):
    """Lines "user<id> <action> <value> <word> <word>", like memo.sh's."""
    rnd = random.Random(7)
    target = mb * 1024 * 1024
    n = 0
    with open(path, "w") as f:
        while n < target:
            line = "user%d %s %d %s %s\n" % (
                int(3000 * rnd.random() * rnd.random()),
                "buy" if rnd.random() < 0.3 else "view", int(1000 * rnd.random()),
                WORDS[int(12 * rnd.random())], WORDS[int(12 * rnd.random())])
            f.write(line)
            n += len(line)


def gen_big(path, gib):
    block = random.Random(1).randbytes(1 << 20)
    with open(path, "wb") as f:
        for _ in range(gib * 1024):
            f.write(block)


def timed(argv, out, cwd, env):
    with open(out, "wb") as f:
        t0 = time.perf_counter_ns()
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=f,
                           stderr=subprocess.PIPE, cwd=cwd, env=env)
        t = time.perf_counter_ns() - t0
    if r.returncode not in (0, 1):  # grep -c that finds nothing exits 1
        sys.exit("pipelines bench: %s failed (%d): %s" %
                 (argv[:3], r.returncode, r.stderr.decode(errors="replace")))
    return t / 1e6


def gmean(v):
    return math.exp(sum(math.log(x) for x in v) / len(v))


def main():
    shark = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    base = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None
    dash = shutil.which("dash")
    if not dash:
        sys.exit("pipelines bench: needs dash (make deps)")
    sizes = [int(s) for s in os.environ.get("PIPE_BENCH_SIZES", "1 30").split()]
    gib = int(os.environ.get("PIPE_BENCH_GIB", "1"))
    with open(os.path.join(HERE, "pipelines.txt")) as f:
        templates = [l.rstrip("\n") for l in f if l.strip()]
    top = tempfile.mkdtemp(prefix="shark-bench-pipes.")
    try:
        ws = os.path.join(top, "ws")
        os.mkdir(ws)
        env = dict(os.environ)
        env["SHARK_STORE"] = os.path.join(top, "store")
        env["SHARK_WORKSPACE"] = ws
        env.pop("SHARK_NOTICES", None)
        env.pop("SHARK_KEEP_INTERMEDIATES", None)
        benv = dict(env)
        benv["SHARK_STORE"] = os.path.join(top, "store-baseline")
        variants = [("dash", dash, env), ("shark", shark, env)]
        if base:
            variants.append(("baseline", base, benv))
        out = os.path.join(top, "out")
        rnd = [0]

        def round_env(e):
            rnd[0] += 1
            e = dict(e)
            e["BENCH_ROUND"] = str(rnd[0])  # a new key: every stage misses
            return e

        def measure(cmd):
            t = {name: [] for name, _, _ in variants}
            for name, sh, e in variants:  # warm-up: page cache, stat cache
                timed([sh, "-c", cmd], out, ws, round_env(e))
            for _ in range(runs):
                for name, sh, e in variants:
                    t[name].append(timed([sh, "-c", cmd], out, ws, round_env(e)))
            return {name: statistics.median(v) for name, v in t.items()}

        with open("/proc/loadavg") as f:
            load0 = f.read().split()[0]
        print("pipelines cold vs dash, medians of %d alternating runs (ms; ratio = shark / dash)"
              % runs)
        hdr = "%-6s %-62s %9s %9s %7s" % ("input", "pipeline", "dash", "shark", "ratio")
        if base:
            hdr += " %9s %7s" % ("baseline", "ratio")
        summary = []
        for mb in sizes:
            data = "data%d.txt" % mb
            gen(os.path.join(ws, data), mb)
            print()
            print(hdr)
            rs, rb = [], []
            for tpl in templates:
                cmd = tpl.replace("@F@", data).replace("@PY@", "/usr/bin/python3")
                m = measure(cmd)
                r = m["shark"] / m["dash"]
                rs.append(r)
                line = "%-6s %-62s %9.1f %9.1f %6.2fx" % ("%dMB" % mb, cmd[:62], m["dash"],
                                                          m["shark"], r)
                if base:
                    rb.append(m["baseline"] / m["dash"])
                    line += " %9.1f %6.2fx" % (m["baseline"], rb[-1])
                print(line, flush=True)
            s = "%dMB: geometric mean over %d pipelines, cold / dash %.2fx (target <= %s)" % (
                mb, len(rs), gmean(rs), "1.3" if mb <= 1 else "1.05")
            if base:
                s += "; baseline %.2fx" % gmean(rb)
            print(s)
            summary.append(s)
            os.unlink(os.path.join(ws, data))
        if gib > 0:
            big = os.path.join(ws, "big.bin")
            gen_big(big, gib)
            cmd = "cat big.bin | md5sum | cut -c1-8"
            m = measure(cmd)
            print()
            s = "%d GiB `%s`: dash %.0f ms, shark %.0f ms, cold / dash %.2fx (target <= 1.15)" % (
                gib, cmd, m["dash"], m["shark"], m["shark"] / m["dash"])
            if base:
                s += "; baseline %.0f ms, %.2fx" % (m["baseline"], m["baseline"] / m["dash"])
            print(s)
            summary.append(s)
            os.unlink(big)
        with open("/proc/loadavg") as f:
            load1 = f.read().split()[0]
        print()
        print("summary (load average %s at the start, %s at the end):" % (load0, load1))
        for s in summary:
            print("  " + s)
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
