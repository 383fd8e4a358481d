#!/usr/bin/env python3
"""oneshot_steps.py - where a one-shot `shark -c CMD` spends its time, step
by step, from perf's tracepoints (docs/performance.md, "The one-shot's
serial path"; as root, perf installed).

    python3 tests/bench/oneshot_steps.py SHARK RUNS ['CMD' [OTHER_SHARK]]

CMD defaults to 'nocache /bin/true'. With OTHER_SHARK, the two builds
alternate run by run, each with a store of its own. Each run is one
`perf record -a` of a few tracepoints (exec, fork, exit, and the system
calls that mark a step: the shell's plan `sendmsg`, pid 1's `unshare`,
`open_tree`, tracer `clone3`, plan `recvmsg`, `pivot_root`, `umount2`, the
command's `seccomp` and `execve`, pid 1's "ended" `sendmsg`, the shell's
`exit_group`). Prints, per build, the median over the runs (the first is
dropped) of each step's time after the shell's exec, then the medians of
the per-run differences between consecutive steps of pid 1's path, and
how much later pid 1 was ready for its plan than the shell sent it (> 0:
pid 1's path is the longer one). Medians of absolute times do not add up
(each is another run's); the per-run differences do.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile

EVENTS = [
    'sched:sched_process_exec', 'sched:sched_process_fork', 'sched:sched_process_exit',
    'syscalls:sys_enter_openat', 'syscalls:sys_enter_sendmsg', 'syscalls:sys_enter_recvmsg',
    'syscalls:sys_exit_recvmsg', 'syscalls:sys_exit_unshare', 'syscalls:sys_enter_socket',
    'syscalls:sys_enter_sethostname', 'syscalls:sys_enter_open_tree', 'syscalls:sys_enter_clone3',
    'syscalls:sys_enter_mount', 'syscalls:sys_enter_pivot_root', 'syscalls:sys_exit_umount',
    'syscalls:sys_enter_seccomp', 'syscalls:sys_enter_execve', 'syscalls:sys_enter_mkdirat',
    'syscalls:sys_enter_exit_group',
]

LINE = re.compile(r'\s*(\S.*?)\s+(\d+)/(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)')

# pid 1's path, in order: (label, event, who, after which label)
CHAIN = [
    'shell exec', 'shell: libc started (first openat)', 'pid 1 cloned', 'pid 1 exec',
    'pid 1 namespaces (unshare done)', 'pid 1 lo up', 'pid 1 host name set',
    'pid 1 mounts ahead (open_tree)', 'pid 1 tracer thread (clone3)',
    'pid 1 waits for its plan (recvmsg)', 'pid 1 has its plan', 'pid 1 first mount of the plan',
    'pid 1 pivot_root', 'pid 1 old root detached', 'command cloned', 'command filter (seccomp)',
    'command execve', 'command exec done', 'command exit', 'pid 1 /tmp export (mkdirat)',
    'pid 1 "ended" sent', 'shell exit_group',
]


def one_run(shark, cmd, cwd, env, data):
    evs = sum([['-e', e] for e in EVENTS], [])
    subprocess.run(['perf', 'record', '-q', '-a', '-o', data] + evs + ['--', shark, '-c', cmd],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, env=env)
    out = subprocess.run(['perf', 'script', '-i', data, '-F', 'comm,pid,tid,time,event,trace'],
                         capture_output=True, text=True).stdout
    ev = []
    for line in out.splitlines():
        m = LINE.match(line)
        if m:
            ev.append((m.group(1), int(m.group(2)), int(m.group(3)), float(m.group(4)) * 1000,
                       m.group(5).split(':', 1)[1], m.group(6)))
    shell = t0 = None
    for c, p, t, ts, e, tr in ev:
        if e == 'sched_process_exec' and shark in tr:
            shell, t0 = p, ts
            break
    if shell is None:
        return None
    forks = {}
    for c, p, t, ts, e, tr in ev:
        if e == 'sched_process_fork':
            forks[int(re.search(r'child_pid=(\d+)', tr).group(1))] = (p, ts)
    init = [k for k, (pp, ts) in forks.items() if pp == shell and
            any(p == k and c == 'shark-init' for c, p, t, ts2, e, tr in ev)]
    if not init:
        return None
    ip = init[0]
    cmdp = [k for k, (pp, ts) in forks.items() if pp == ip and
            any(p == k and e == 'sched_process_exec' for c, p, t, ts2, e, tr in ev)]

    def first(pred, after=None):
        for c, p, t, ts, e, tr in ev:
            if (after is None or ts - t0 >= after) and pred(c, p, t, e, tr):
                return ts - t0
        return None

    def last(pred):
        r = None
        for c, p, t, ts, e, tr in ev:
            if pred(c, p, t, e, tr):
                r = ts - t0
        return r

    s = {'shell exec': 0.0}
    s['shell: libc started (first openat)'] = first(lambda c, p, t, e, tr: p == shell and e == 'sys_enter_openat')
    s['pid 1 cloned'] = forks[ip][1] - t0
    s['pid 1 exec'] = first(lambda c, p, t, e, tr: p == ip and e == 'sched_process_exec')
    s['pid 1 namespaces (unshare done)'] = first(lambda c, p, t, e, tr: p == ip and e == 'sys_exit_unshare')
    s['pid 1 lo up'] = first(lambda c, p, t, e, tr: p == ip and e == 'sys_enter_socket')
    s['pid 1 host name set'] = first(lambda c, p, t, e, tr: p == ip and e == 'sys_enter_sethostname')
    s['pid 1 mounts ahead (open_tree)'] = first(lambda c, p, t, e, tr: p == ip and e == 'sys_enter_open_tree')
    s['pid 1 tracer thread (clone3)'] = first(lambda c, p, t, e, tr: p == ip and e == 'sys_enter_clone3')
    s['pid 1 waits for its plan (recvmsg)'] = first(lambda c, p, t, e, tr: t == ip and e == 'sys_enter_recvmsg')
    s['shell: plan sent'] = first(lambda c, p, t, e, tr: t == shell and e == 'sys_enter_sendmsg')
    s['pid 1 has its plan'] = first(lambda c, p, t, e, tr: t == ip and e == 'sys_exit_recvmsg')
    if s['pid 1 has its plan'] is not None:
        s['pid 1 first mount of the plan'] = first(lambda c, p, t, e, tr: t == ip and e == 'sys_enter_mount',
                                                   s['pid 1 has its plan'])
    s['pid 1 pivot_root'] = first(lambda c, p, t, e, tr: p == ip and e == 'sys_enter_pivot_root')
    s['pid 1 old root detached'] = first(lambda c, p, t, e, tr: p == ip and e == 'sys_exit_umount')
    if cmdp:
        cp = cmdp[0]
        s['command cloned'] = forks[cp][1] - t0
        s['command filter (seccomp)'] = first(lambda c, p, t, e, tr: p == cp and e == 'sys_enter_seccomp')
        s['command execve'] = first(lambda c, p, t, e, tr: p == cp and e == 'sys_enter_execve')
        s['command exec done'] = first(lambda c, p, t, e, tr: p == cp and e == 'sched_process_exec')
        s['command exit'] = first(lambda c, p, t, e, tr: p == cp and e == 'sched_process_exit')
        if s['command exit'] is not None:
            s['pid 1 /tmp export (mkdirat)'] = first(lambda c, p, t, e, tr: t == ip and e == 'sys_enter_mkdirat',
                                                     s['command exit'])
    s['pid 1 "ended" sent'] = last(lambda c, p, t, e, tr: t == ip and e == 'sys_enter_sendmsg')
    s['shell exit_group'] = first(lambda c, p, t, e, tr: p == shell and e == 'sys_enter_exit_group')
    return s


def main():
    sharks = [os.path.abspath(sys.argv[1])]
    runs = int(sys.argv[2])
    cmd = sys.argv[3] if len(sys.argv) > 3 else 'nocache /bin/true'
    if len(sys.argv) > 4:
        sharks.append(os.path.abspath(sys.argv[4]))
    top = tempfile.mkdtemp(prefix='shark-bench-steps.')
    try:
        ws = os.path.join(top, 'ws')
        os.mkdir(ws)
        res = {s: {} for s in sharks}
        for k in range(runs + 1):
            for i, sh in enumerate(sharks):
                env = dict(os.environ, SHARK_STORE=os.path.join(top, 'store%d' % i))
                s = one_run(sh, cmd, ws, env, os.path.join(top, 'perf.data'))
                if k == 0 or s is None:
                    continue
                r = res[sh]
                for name, v in s.items():
                    if v is not None:
                        r.setdefault(name, []).append(v)
                present = [n for n in CHAIN if s.get(n) is not None]
                for a, b in zip(present, present[1:]):
                    r.setdefault('  %s -> %s' % (a, b), []).append(s[b] - s[a])
                if s.get('pid 1 waits for its plan (recvmsg)') is not None and s.get('shell: plan sent') is not None:
                    r.setdefault('pid 1 ready minus plan sent (> 0: pid 1 later)', []).append(
                        s['pid 1 waits for its plan (recvmsg)'] - s['shell: plan sent'])
        names = CHAIN[:]
        names.insert(names.index('pid 1 has its plan'), 'shell: plan sent')
        names += sorted({n for r in res.values() for n in r if n.startswith('  ')},
                        key=lambda n: CHAIN.index(n.split(' -> ')[0].strip()))
        names.append('pid 1 ready minus plan sent (> 0: pid 1 later)')
        print('%s, medians of %d runs (ms; steps after the shell\'s exec, then per-run '
              'differences along the path)' % (cmd, runs))
        print('%-78s' % 'step' + ''.join('%14s' % ('this' if i == 0 else 'other') for i in range(len(sharks))))
        for n in names:
            cells = []
            for sh in sharks:
                v = res[sh].get(n)
                cells.append('%14s' % ('%.2f' % statistics.median(v) if v else '-'))
            print('%-78s' % n + ''.join(cells))
    finally:
        subprocess.run(['rm', '-rf', top])


if __name__ == '__main__':
    main()
