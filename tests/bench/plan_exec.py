#!/usr/bin/env python3
"""plan_exec.py - how long a prepared sandbox takes from its plan to the
command's exec (docs/performance.md, "Work moved before the plan").

    python3 tests/bench/plan_exec.py SHARK [ROUNDS] [BASELINE_SHARK]

Runs a script of 20 distinct cold commands (each round's arguments new,
so every command misses) under `perf record -a` of scheduler and system
call tracepoints (negligible overhead), the builds alternating round by
round, and prints per build the median, over every command, of the time
from the shell's sendmsg of the plan to the command's exec, and the
medians of the steps between: pid 1's pivot_root, the end of the old
root's detach (neither, for a pid 1 that pivoted before its plan), the
command's clone, its sendmsg of the seccomp listener,
pid 1's "started". Only the processes of the shark run are looked at
(other processes on the machine exec too). A pivot_root after the plan
in a build that pivots before it is another pid 1's (one prepared
meanwhile). Needs root (perf -a) and perf. The first round of each
build only warms up.
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

EVENTS = ("sched:sched_process_exec,sched:sched_process_fork,sched:sched_process_exit,"
          "syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvmsg,"
          "syscalls:sys_enter_pivot_root,syscalls:sys_exit_umount")
LINE = re.compile(r"^\s*(\S.*?)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)$")


def script(k, n=20):
    out = []
    for i in range(n):
        m = i % 4
        if m == 0:
            out.append("/bin/echo run %d %d" % (k, i))
        elif m == 1:
            out.append("head -c %d small.txt" % (k * 100 + i))
        elif m == 2:
            out.append("cut -c1-%d small.txt" % (k * 100 + i))
        else:
            out.append("tr a-z A-Z < small.txt | head -c %d" % (k * 100 + i))
    return "\n".join(out) + "\n"


def run(shark, k, top, ws, tag):
    env = dict(os.environ)
    env["SHARK_STORE"] = os.path.join(top, "store-" + tag)
    env["SHARK_WORKSPACE"] = ws
    path = os.path.join(top, "s%d.sh" % k)
    with open(path, "w") as f:
        f.write(script(k))
    data = os.path.join(top, "perf.data")
    subprocess.run(["perf", "record", "-q", "-a", "-o", data, "-e", EVENTS, "--",
                    shark, path], cwd=ws, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    txt = subprocess.run(["perf", "script", "-i", data], capture_output=True,
                         text=True).stdout
    segs = []
    plan_t = None
    marks = {}
    # Only this run's processes: the shark perf started and what descends
    # from it (other processes on the machine exec and fork too).
    ours = set()
    for line in txt.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        comm, t, ev, rest = m.group(1), float(m.group(4)) * 1e3, m.group(5), m.group(6)
        pid = int(m.group(2))
        if ev == "sched:sched_process_exec" and not ours and "filename=" + shark in rest:
            ours.add(pid)
        if pid not in ours:
            continue
        if ev == "sched:sched_process_fork":
            c = re.search(r"child_pid=(\d+)", rest)
            if c:
                ours.add(int(c.group(1)))
        if comm == "shark" and ev == "syscalls:sys_enter_sendmsg":
            plan_t, marks = t, {}
            continue
        if plan_t is None:
            continue
        d = t - plan_t
        if comm == "shark-init":
            if ev == "syscalls:sys_enter_pivot_root":
                marks.setdefault("1 pivot_root", d)
            elif ev == "syscalls:sys_exit_umount" and "1 pivot_root" in marks:
                marks.setdefault("2 old root detached", d)
            elif ev == "sched:sched_process_fork" and ("2 old root detached" in marks or
                                                      "1 pivot_root" not in marks):
                # (no pivot_root after the plan: pivoted before it)
                marks["3 command cloned"] = d
                marks.pop("4 listener sent", None)
                marks.pop("5 started sent", None)
            elif ev == "syscalls:sys_enter_sendmsg" and "3 command cloned" in marks:
                if "4 listener sent" not in marks:
                    marks["4 listener sent"] = d
                else:
                    marks.setdefault("5 started sent", d)
        if ev == "sched:sched_process_exec" and "shark-init" not in rest:
            marks["6 exec done"] = d
            segs.append(marks)
            plan_t = None
    return segs


def main():
    sharks = [os.path.abspath(a) for a in [sys.argv[1]] + sys.argv[3:4]]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    top = tempfile.mkdtemp(prefix="plan-exec.")
    ws = os.path.join(top, "ws")
    os.mkdir(ws)
    with open(os.path.join(ws, "small.txt"), "w") as f:
        f.write("hello, cold path\n" * 64)
    res = {s: [] for s in sharks}
    try:
        k = 1
        for r in range(rounds + 1):
            for i, s in enumerate(sharks):
                segs = run(s, k, top, ws, str(i))
                k += 1
                if r:
                    res[s] += segs
        for s in sharks:
            segs = res[s]
            v = [m["6 exec done"] for m in segs]
            q = statistics.quantiles(v, n=4)
            print("%s: %d commands, plan -> exec median %.2f ms (quartiles %.2f-%.2f)"
                  % (s, len(v), statistics.median(v), q[0], q[2]))
            for key in sorted({kk for m in segs for kk in m}):
                vals = [m[key] for m in segs if key in m]
                print("   %-22s %6.2f ms (n=%d)" % (key, statistics.median(vals), len(vals)))
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
