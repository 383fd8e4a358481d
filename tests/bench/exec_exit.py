#!/usr/bin/env python3
"""exec_exit.py - a command's own run, from its execve to its exit, natively
and under shark's tracer (docs/performance.md, "The cold path": "The
command's run under the tracer").

    python3 tests/bench/exec_exit.py SHARK [ROUNDS] [BASELINE_SHARK]

Needs root and perf. Each round records the sched tracepoints
sched_process_exec and sched_process_exit machine-wide (`perf record -a`)
around, in turn: dash running a script of 20 distinct commands, shark -c
of one `head -c`, and shark running the same kind of script (every
command a miss: fresh arguments per round and per build). The time of a
command is the time between its process's exec of /usr/bin/head,
/usr/bin/cut or /bin/echo (the process's last exec) and that process's
exit; each row is the median over all rounds' commands of a tool. The
builds alternate within each round; the machine's load moves them alike.
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

TOOLS = {"head": "head", "cut": "cut", "echo": "echo"}
EXEC = re.compile(r"sched:sched_process_exec: filename=(\S+) pid=(\d+)")
EXIT = re.compile(r"sched:sched_process_exit: comm=\S+ pid=(\d+)")


def script(tag, num, n=20):
    """n distinct commands; num (unique per round and build) makes them new."""
    lines = []
    for i in range(n):
        m = i % 3
        if m == 0:
            lines.append("$BIN/echo %s %d" % (tag, i))
        elif m == 1:
            lines.append("head -c %d small.txt" % (num * 100 + i + 1))
        else:
            lines.append("cut -c1-%d small.txt" % (num * 100 + i + 1))
    return "\n".join(lines) + "\n"


def traced(argv, cwd, env, data, bindir):
    rec = ["perf", "record", "-q", "-a", "-o", data, "-e",
           "sched:sched_process_exec", "-e", "sched:sched_process_exit", "--"]
    r = subprocess.run(rec + argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit("exec_exit: %s failed: %s" % (argv[:3], r.stderr.decode(errors="replace")))
    out = subprocess.run(["perf", "script", "-i", data, "-F", "time,event,trace"],
                         capture_output=True, text=True).stdout
    execs = {}
    times = {k: [] for k in TOOLS}
    for line in out.splitlines():
        ts = float(line.split(":", 1)[0].strip())
        m = EXEC.search(line)
        if m:
            execs[int(m.group(2))] = (ts, m.group(1))
            continue
        m = EXIT.search(line)
        if m and int(m.group(1)) in execs:
            t0, name = execs.pop(int(m.group(1)))
            if os.path.dirname(name) == bindir and os.path.basename(name) in TOOLS:
                name = os.path.basename(name)
                times[name].append((ts - t0) * 1e3)
    return times


def main():
    shark = os.path.abspath(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    base = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 else None
    dash = shutil.which("dash")
    top = tempfile.mkdtemp(prefix="shark-bench-execexit.")
    builds = {"shark": shark}
    if base:
        builds["baseline"] = base
    res = {}
    try:
        ws = os.path.join(top, "ws")
        os.mkdir(ws)
        with open(os.path.join(ws, "small.txt"), "w") as f:
            f.write("hello, cold path\n" * 64)
        data = os.path.join(top, "perf.data")
        # the tools through symlinks of a directory of this run's own, first
        # in PATH: the exec tracepoint names the path exec'd, which tells
        # this run's commands from other users' of the same tools
        bindir = os.path.join(top, "bin")
        os.mkdir(bindir)
        for tool in TOOLS:
            os.symlink(shutil.which(tool, path="/usr/bin:/bin"), os.path.join(bindir, tool))
        os.environ["PATH"] = bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin")
        os.environ["BIN"] = bindir
        for k in range(rounds + 1):
            path = os.path.join(top, "native%d.sh" % k)
            with open(path, "w") as f:
                f.write(script("native%d" % k, k))
            t = traced([dash, path], ws, dict(os.environ), data, bindir)
            if k:
                for tool, v in t.items():
                    res.setdefault(("native", tool), []).extend(v)
            for b, (name, exe) in enumerate(builds.items()):
                env = dict(os.environ)
                env["SHARK_STORE"] = os.path.join(top, "store-" + name)
                env["SHARK_WORKSPACE"] = ws
                env.pop("SHARK_NOTICES", None)
                t = traced([exe, "-c", "nocache head -c 31 small.txt"], ws, env, data, bindir)
                if k:
                    res.setdefault((name + " -c", "head"), []).extend(t["head"])
                path = os.path.join(top, "%s%d.sh" % (name, k))
                with open(path, "w") as f:
                    f.write(script("%s%d" % (name, k), 1000 * (b + 1) + k))
                t = traced([exe, path], ws, env, data, bindir)
                if k:
                    for tool, v in t.items():
                        res.setdefault((name + " script", tool), []).extend(v)
        print("exec -> exit (ms), medians over %d rounds (n = commands)" % rounds)
        for (what, tool), v in sorted(res.items()):
            print("%-18s %-5s %7.2f  (n=%d, q1 %.2f, q3 %.2f)" %
                  (what, tool, statistics.median(v), len(v),
                   statistics.quantiles(v, n=4)[0] if len(v) > 1 else v[0],
                   statistics.quantiles(v, n=4)[2] if len(v) > 1 else v[0]))
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
