#!/usr/bin/env python3
"""path_search.py - cold scripts of 100 distinct commands (tests/bench/cold.py's
script()) under two shark builds, alternating in each round, with a given
PATH (docs/performance.md, "The command's PATH search").

    python3 tests/bench/path_search.py NEW_SHARK BASE_SHARK RUNS [PATH]

PATH defaults to the caller's. Every round's script has arguments no earlier
round used (all misses); each build has a store of its own; the first round
is dropped. Prints the medians of wall time and of the CPU time of the
whole process tree (wait4), and new / base.
"""
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cold import script  # noqa: E402


def run(argv, cwd, env):
    t0 = time.perf_counter_ns()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(cwd)
            fd = os.open("/dev/null", os.O_RDWR)
            os.dup2(fd, 0)
            os.dup2(fd, 1)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    _, st, ru = os.wait4(pid, 0)
    if st != 0:
        sys.exit("path_search bench: %s failed (%d)" % (argv, st))
    return (time.perf_counter_ns() - t0) / 1e6, (ru.ru_utime + ru.ru_stime) * 1e3


def main():
    new, base = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    n = int(sys.argv[3])
    path = sys.argv[4] if len(sys.argv) > 4 else os.environ.get("PATH", "/usr/bin:/bin")
    top = tempfile.mkdtemp(prefix="shark-bench-path.")
    try:
        ws = os.path.join(top, "ws")
        os.mkdir(ws)
        with open(os.path.join(ws, "small.txt"), "w") as f:
            f.write("hello, cold path\n" * 64)
        wall = {new: [], base: []}
        cpu = {new: [], base: []}
        for k in range(n + 1):
            p = os.path.join(top, "script%d.sh" % k)
            with open(p, "w") as f:
                f.write(script(k + 1))
            for i, s in enumerate((new, base)):
                env = dict(os.environ, PATH=path, SHARK_WORKSPACE=ws,
                           SHARK_STORE=os.path.join(top, "store%d" % i))
                env.pop("SHARK_NOTICES", None)
                w, c = run([s, p], ws, env)
                if k:
                    wall[s].append(w)
                    cpu[s].append(c)
        mw = {s: statistics.median(v) for s, v in wall.items()}
        mc = {s: statistics.median(v) for s, v in cpu.items()}
        print("100 distinct cold commands, PATH of %d entries, medians of %d alternating runs"
              % (len(path.split(":")), n))
        print("wall: new %.1f ms, base %.1f ms, new / base %.3f"
              % (mw[new], mw[base], mw[new] / mw[base]))
        print("cpu:  new %.1f ms, base %.1f ms, new / base %.3f"
              % (mc[new], mc[base], mc[new] / mc[base]))
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
