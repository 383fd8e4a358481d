#!/usr/bin/env python3
"""cold.py - what a user starts, cold, against the plain tools, side by side
in one run (docs/performance.md, "The cold path").

    python3 tests/bench/cold.py SHARK [RUNS] [BASELINE_SHARK]

With BASELINE_SHARK (another build, e.g. the one before a change), its
rows are timed in the same rounds and printed beside, each with its own
store.

Rows, each the median of RUNS (default 15) runs, the variants of a row
alternating from one run to the next, so that the machine's load moves
them alike; ratio = shark / the other:

  * `shark -c 'nocache /bin/true'` against the bubblewrap command of issue
    15 and `dash -c /bin/true`;
  * `shark -c true` against `dash -c true` (the shell's own start);
  * a script of 100 distinct commands, all misses (each run's script has
    arguments no earlier run used), against the same script under dash.

Each sample is one spawn and wait timed from this process (no timing
command's start is counted); stdin is /dev/null and stdout a file. Needs
bwrap and dash. The store and workspace are a fresh temporary directory.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def timed(argv, out, cwd, env):
    with open(out, "wb") as f:
        t0 = time.perf_counter_ns()
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=f,
                           stderr=subprocess.PIPE, cwd=cwd, env=env)
        t = time.perf_counter_ns() - t0
    if r.returncode != 0:
        sys.exit("cold bench: %s failed (%d): %s" %
                 (argv[:3], r.returncode, r.stderr.decode(errors="replace")))
    return t / 1e6


def script(k, n=100):
    """100 distinct external commands; k makes every run's arguments new."""
    lines = []
    for i in range(n):
        m = i % 5
        if m == 0:
            lines.append("/bin/echo run %d line %d" % (k, i))
        elif m == 1:
            lines.append("head -c %d small.txt" % (k * 100 + i))
        elif m == 2:
            lines.append("cut -c1-%d small.txt" % (k * 100 + i))
        elif m == 3:
            lines.append("tr a-z A-Z < small.txt | head -c %d" % (k * 100 + i))
        else:
            lines.append("printf '%%s\\n' %d-%d | wc -c" % (k, i))
    return "\n".join(lines) + "\n"


def main():
    shark = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    base = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None
    dash = shutil.which("dash")
    bwrap = shutil.which("bwrap")
    if not dash or not bwrap:
        sys.exit("cold bench: needs dash and bwrap (make deps)")
    top = tempfile.mkdtemp(prefix="shark-bench-cold.")
    try:
        ws = os.path.join(top, "ws")
        os.mkdir(ws)
        with open(os.path.join(ws, "small.txt"), "w") as f:
            f.write("hello, cold path\n" * 64)
        env = dict(os.environ)
        env["SHARK_STORE"] = os.path.join(top, "store")
        env["SHARK_WORKSPACE"] = ws
        env.pop("SHARK_NOTICES", None)
        benv = dict(env)
        benv["SHARK_STORE"] = os.path.join(top, "store-baseline")
        envs = {"baseline": benv}
        out = os.path.join(top, "out")
        bw = [bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
              "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
              "--bind", ws, ws, "--chdir", ws, "/bin/true"]
        start = {
            "shark": [shark, "-c", "nocache /bin/true"],
            "bwrap": bw,
            "dash": [dash, "-c", "/bin/true"],
        }
        shell = {
            "shark": [shark, "-c", "true"],
            "dash": [dash, "-c", "true"],
        }
        t = {"start": {k: [] for k in start}, "shell": {k: [] for k in shell},
             "script": {"shark": [], "dash": []}}
        sharks = {"shark": shark}
        if base:
            sharks["baseline"] = base
            start["baseline"] = [base, "-c", "nocache /bin/true"]
            shell["baseline"] = [base, "-c", "true"]
            t["start"]["baseline"] = []
            t["shell"]["baseline"] = []
            t["script"]["baseline"] = []
        # one warm-up of each (page cache, store creation)
        for name, argv in list(start.items()) + list(shell.items()):
            timed(argv, out, ws, envs.get(name, env))
        for k in range(runs + 1):
            for name, argv in start.items():
                t["start"][name].append(timed(argv, out, ws, envs.get(name, env)))
            for name, argv in shell.items():
                t["shell"][name].append(timed(argv, out, ws, envs.get(name, env)))
            path = os.path.join(top, "script%d.sh" % k)
            with open(path, "w") as f:
                f.write(script(k + 1))
            for name in t["script"]:
                argv = [dash, path] if name == "dash" else [sharks[name], path]
                t["script"][name].append(timed(argv, out, ws, envs.get(name, env)))
        # the first round warmed up the script's commands: dropped
        med = {r: {n: statistics.median(v[1:]) for n, v in d.items()}
               for r, d in t.items()}
        s = med["start"]
        print("cold path, medians of %d alternating runs (ms; ratio = shark / other)" % runs)
        print("%-44s %9s" % ("what", "ms"))
        print("%-44s %9.2f" % ("shark -c 'nocache /bin/true'", s["shark"]))
        print("%-44s %9.2f" % ("bwrap ... /bin/true (issue 15's command)", s["bwrap"]))
        print("%-44s %9.2f" % ("dash -c /bin/true", s["dash"]))
        print("%-44s %9.2f" % ("shark -c true", med["shell"]["shark"]))
        print("%-44s %9.2f" % ("dash -c true", med["shell"]["dash"]))
        print("%-44s %9.2f" % ("shark SCRIPT (100 distinct commands, cold)", med["script"]["shark"]))
        print("%-44s %9.2f" % ("dash SCRIPT", med["script"]["dash"]))
        if base:
            print("%-44s %9.2f" % ("baseline -c 'nocache /bin/true'", s["baseline"]))
            print("%-44s %9.2f" % ("baseline -c true", med["shell"]["baseline"]))
            print("%-44s %9.2f" % ("baseline SCRIPT", med["script"]["baseline"]))
            print("baseline ratios: start / bwrap %.2fx; -c true / dash %.2fx; script / dash %.2fx"
                  % (s["baseline"] / s["bwrap"], med["shell"]["baseline"] / med["shell"]["dash"],
                     med["script"]["baseline"] / med["script"]["dash"]))
        print("ratios: sandbox start / bwrap %.2fx (target <= 0.70), / dash %.2fx;"
              % (s["shark"] / s["bwrap"], s["shark"] / s["dash"]))
        print("        shark -c true / dash %.2fx (target <= 1.0);"
              % (med["shell"]["shark"] / med["shell"]["dash"]))
        print("        100 cold commands / dash %.2fx (target <= 2.0)"
              % (med["script"]["shark"] / med["script"]["dash"]))
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
