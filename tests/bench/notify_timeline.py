#!/usr/bin/env python3
"""notify_timeline.py - where a traced command's wait per seccomp
notification goes (docs/performance.md, "The tracer's wait per
notification").

    python3 tests/bench/notify_timeline.py SHARK [RUNS]

Needs root and perf. Records sched_switch, sched_wakeup and the raw
system call tracepoints machine-wide around RUNS (default 5) runs of
`SHARK -c 'nocache head -c 31 small.txt'` and splits each sleep of `head`
that woke a tracer thread into: the switch to the tracer until its RECV
returns, RECV to SEND (reading the path, making it absolute), SEND
itself, SEND until the tracer is back in RECV (the lookup and the record,
after the answer), and SEND until `head` runs again. Medians over all
runs' notifications (perf's own cost per event is in every span).
"""
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

RX = re.compile(r'^\s*(.+?)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)$')
RECV, SEND = "c0502100", "c0182101"  # SECCOMP_IOCTL_NOTIF_RECV / _SEND


def load(text):
    ev = []
    for line in text.splitlines():
        m = RX.match(line)
        if m:
            ev.append((m.group(1), int(m.group(2)), float(m.group(4)),
                       m.group(5), m.group(6)))
    return ev


def spans(ev, rows, post_calls):
    for H in sorted({e[1] for e in ev if e[0] == "head"}):
        for k, e in enumerate(ev):
            if not (e[1] == H and e[3] == "sched:sched_switch" and
                    "prev_pid=%d " % H in e[4] and "prev_state=S" in e[4]):
                continue
            woke = [f for f in ev[max(0, k - 3):k]
                    if f[1] == H and f[3] == "sched:sched_wakeup"]
            if not woke:
                continue
            T = int(re.search(r"pid=(\d+)", woke[-1][4]).group(1))
            t0 = e[2]
            recv = send = sendx = nrecv = swin = None
            post = []
            for f in ev[k + 1:k + 3000]:
                if f[1] == T and f[3] == "raw_syscalls:sys_exit" and \
                        f[4].startswith("NR 16 ") and recv is None:
                    recv = f[2]
                elif f[1] == T and recv and f[3] == "raw_syscalls:sys_enter" and \
                        SEND in f[4] and send is None:
                    send = f[2]
                elif f[1] == T and send and f[3] == "raw_syscalls:sys_exit" and \
                        f[4].startswith("NR 16 ") and sendx is None:
                    sendx = f[2]
                elif f[1] == T and sendx and f[3] == "raw_syscalls:sys_enter" and \
                        nrecv is None:
                    if RECV in f[4]:
                        nrecv = f[2]
                    else:
                        post.append(f[4].split()[1])
                if f[3] == "sched:sched_switch" and "next_pid=%d " % H in f[4]:
                    swin = f[2]
                    break
            if recv and send and sendx and swin and swin > sendx:
                rows.append(((recv - t0) * 1e6, (send - recv) * 1e6,
                             (sendx - send) * 1e6, ((nrecv or swin) - sendx) * 1e6,
                             (swin - sendx) * 1e6, (swin - t0) * 1e6))
                key = ",".join(post)
                post_calls[key] = post_calls.get(key, 0) + 1


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    shark = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    d = tempfile.mkdtemp(prefix="notify-timeline.")
    try:
        with open(os.path.join(d, "small.txt"), "w") as f:
            f.write("".join("%d\n" % i for i in range(1000)))
        env = dict(os.environ, SHARK_STORE=d + "/store", SHARK_WORKSPACE=d)
        cmd = [shark, "-c", "nocache head -c 31 small.txt"]
        subprocess.run(cmd, cwd=d, env=env, stdout=subprocess.DEVNULL)
        rows, post_calls = [], {}
        data = os.path.join(d, "perf.data")
        for _ in range(runs):
            subprocess.run(["perf", "record", "-q", "-a", "-o", data,
                            "-e", "sched:sched_switch", "-e", "sched:sched_wakeup",
                            "-e", "raw_syscalls:sys_enter", "-e", "raw_syscalls:sys_exit",
                            "--"] + cmd, cwd=d, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=True)
            out = subprocess.run(["perf", "script", "-i", data, "-F",
                                  "comm,tid,cpu,time,event,trace"],
                                 capture_output=True, text=True).stdout
            spans(load(out), rows, post_calls)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if len(rows) < 2:
        sys.exit("notify_timeline: no notifications found")
    print("%d notifications over %d runs (us; median, q1, q3)" % (len(rows), runs))
    names = ["switch out -> tracer's RECV returns", "RECV -> SEND (path read)",
             "SEND", "SEND -> tracer back in RECV", "SEND -> command runs",
             "command off CPU, total"]
    for j, name in enumerate(names):
        v = [r[j] for r in rows]
        q = statistics.quantiles(v, n=4)
        print("%-38s %6.1f  %6.1f  %6.1f" % (name, statistics.median(v), q[0], q[2]))
    print("system calls after SEND (numbers), by count:")
    for key, n in sorted(post_calls.items(), key=lambda x: -x[1])[:5]:
        print("  %4d  %s" % (n, key or "(none)"))


if __name__ == "__main__":
    main()
