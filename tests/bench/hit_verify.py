"""hit_verify.py - hit latency of two shark builds side by side.

    python3 tests/bench/hit_verify.py N OLD_SHARK NEW_SHARK

Each build gets its own store; `cat small.txt` (6 bytes) and `cat big.txt`
(16 MiB) are recorded, hit once (so a verifying build remembers that it
verified the objects), then N rounds interleave `dash -c true` and a hit
of each command with each build. Prints medians and the ratio to `dash -c
true`. Used for the numbers of docs/performance.md ("Verified replay").
"""
import statistics, subprocess, sys, tempfile, time, os
n = int(sys.argv[1]); bins = {"before": sys.argv[2], "after": sys.argv[3]}
base = tempfile.mkdtemp(prefix="shark-hit-verify.")
cmds = {"cat small.txt (6 B)": "cat small.txt", "cat big.txt (16 MiB)": "cat big.txt"}
ws = base + "/ws"; os.makedirs(ws, exist_ok=True)
open(ws + "/small.txt", "w").write("hello\n")
with open(ws + "/big.txt", "wb") as f: f.write(os.urandom(16 << 20))
env0 = dict(os.environ, SHARK_WORKSPACE=ws)
env0.pop("SHARK_NOTICES", None)
def run(argv, env):
    with open(base + "/out", "wb") as f:
        t0 = time.perf_counter_ns()
        subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.DEVNULL, cwd=ws, env=env)
        return time.perf_counter_ns() - t0
envs = {}
for k, b in bins.items():
    e = dict(env0, SHARK_STORE=base + "/store-" + k)
    subprocess.run(["rm", "-rf", e["SHARK_STORE"]])
    for c in cmds.values():
        run([b, "-c", c], e); time.sleep(0.1); run([b, "-c", c], e)
    envs[k] = e
times = {("dash", "true"): []}
for k in bins:
    for c in cmds: times[(k, c)] = []
for i in range(n):
    times[("dash", "true")].append(run(["dash", "-c", "true"], env0))
    for k, b in bins.items():
        for c, s in cmds.items():
            times[(k, c)].append(run([b, "-c", s], envs[k]))
d = statistics.median(times[("dash", "true")]) / 1e6
print("median of %d runs, interleaved; load %s" % (n, open("/proc/loadavg").read().split()[0]))
print("  dash -c true: %.2f ms" % d)
for c in cmds:
    for k in bins:
        m = statistics.median(times[(k, c)]) / 1e6
        print("  %-7s shark -c '%s': %.2f ms (%.2fx dash -c true)" % (k, cmds[c], m, m / d))
subprocess.run(["rm", "-rf", base])
