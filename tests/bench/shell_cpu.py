#!/usr/bin/env python3
"""shell_cpu.py SHARK BASELINE_SHARK [RUNS]: the shell's own CPU time (user,
system) and its reaped children's, over a script of 100 distinct cold
commands (cold.py's), read by the script itself from /proc/$$/stat
(fields 14-17, clock ticks) at its end; the two builds alternate in each
round, each with its own store, the first round dropped. Prints the
medians per command in ms (docs/performance.md, "pid 1 as a program")."""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cold import script  # noqa: E402
tick = os.sysconf("SC_CLK_TCK")
builds = {"shark": os.path.abspath(sys.argv[1]), "base": os.path.abspath(sys.argv[2])}
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 11
top = tempfile.mkdtemp(prefix="shark-bench-cpu.")
ws = os.path.join(top, "ws")
os.mkdir(ws)
with open(os.path.join(ws, "small.txt"), "w") as f:
    f.write("hello, cold path\n" * 64)
res = {n: [] for n in builds}
for k in range(runs + 1):
    path = os.path.join(top, "s%d.sh" % k)
    with open(path, "w") as f:
        f.write(script(k + 1000) + 'read -r a < /proc/$$/stat; echo "$a" >&2\n')
    for n, b in builds.items():
        env = dict(os.environ, SHARK_STORE=os.path.join(top, "store-" + n), SHARK_WORKSPACE=ws)
        r = subprocess.run([b, path], cwd=ws, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        line = r.stderr.decode().strip().splitlines()[-1].split()
        v = [int(line[i]) for i in (13, 14, 15, 16)]
        if k:
            res[n].append(v)
for n, rows in res.items():
    med = [statistics.median(r[i] for r in rows) * 1000.0 / tick / 100 for i in range(4)]
    print("%-5s per command (ms): shell user %.2f sys %.2f | children user %.2f sys %.2f"
          % (n, *med))
shutil.rmtree(top, ignore_errors=True)
