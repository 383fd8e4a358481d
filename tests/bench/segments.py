#!/usr/bin/env python3
"""segments.py - where a shark run's time goes, from perf's tracepoints
(docs/performance.md, "The cold path"; as root, perf installed).

    python3 tests/bench/segments.py SHARK -c 'nocache /bin/true' REPS
    python3 tests/bench/segments.py SHARK file SCRIPT REPS

A SCRIPT path may hold REP, replaced by the repetition's number (so each
repetition runs a script of its own, cold). Runs `perf record -a` on the
exec, fork and exit tracepoints and on sendmsg, recvmsg, fdatasync and
wait4, then prints medians over every command of every repetition: for
the first command the shell's start to its pid 1's clone, the clone to
shark-init's exec, that exec to the plan's arrival (pid 1's recvmsg); for
each command its exit to pid 1's "ended" (its last sendmsg) and to the
next command's plan, split at the shell's fdatasync when one falls
between. Uses /tmp/r3d-perf.data.
"""
import subprocess, sys, re, statistics
shark = sys.argv[1]; mode = sys.argv[2]; arg = sys.argv[3]; reps = int(sys.argv[4]) if len(sys.argv) > 4 else 1
ev = ['sched:sched_process_exec','sched:sched_process_fork','sched:sched_process_exit',
      'syscalls:sys_enter_sendmsg','syscalls:sys_exit_recvmsg','syscalls:sys_enter_fdatasync',
      'syscalls:sys_exit_fdatasync','syscalls:sys_exit_wait4']
S = {}
def add(k, v): S.setdefault(k, []).append(v)
for rep in range(reps):
    data = '/tmp/r3d-perf.data'
    cmd = [shark, "-c", arg] if mode == "-c" else [shark, arg.replace("REP", str(rep))]
    evs = sum([['-e', e] for e in ev], [])
    subprocess.run(['perf', 'record', '-q', '-a', '-o', data] + evs + ['--'] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = subprocess.run(['perf', 'script', '-i', data, '-F', 'comm,pid,tid,time,event,trace'], capture_output=True, text=True).stdout
    L = []
    for l in out.splitlines():
        m = re.match(r'\s*(\S.*?)\s+(\d+)/(\d+)\s+([\d.]+):\s+(\S+):\s*(.*)', l)
        if m: L.append((int(m.group(2)), int(m.group(3)), float(m.group(4))*1000, m.group(5), m.group(6)))
    spid = t0 = None
    for p, t, ts, e, tr in L:
        if e == 'sched:sched_process_exec' and tr.startswith('filename=' + shark) and spid is None:
            spid, t0 = p, ts
    if spid is None: continue
    forks = {}
    for p, t, ts, e, tr in L:
        if e == 'sched:sched_process_fork':
            c = int(re.search(r'child_pid=(\d+)', tr).group(1)); forks[c] = (p, ts)
    inits = [(ts, p) for p, t, ts, e, tr in L if e == 'sched:sched_process_exec' and '/dev/fd/' in tr and forks.get(p, (0,))[0] == spid]
    cmds = []
    for its, ip in inits:
        d = {'clone': forks[ip][1], 'iexec': its}
        rec = [ts for p, t, ts, e, tr in L if e == 'syscalls:sys_exit_recvmsg' and p == ip and t == ip and ts > its]
        if rec: d['plan'] = rec[0]
        kids = [c for c, (pp, ts) in forks.items() if pp == ip]
        ce = [(ts, p) for p, t, ts, e, tr in L if e == 'sched:sched_process_exec' and p in kids]
        if not ce: continue   # prepared, unused
        d['cexec'], cp = ce[0]
        cx = [ts for p, t, ts, e, tr in L if e == 'sched:sched_process_exit' and p == cp and t == cp]
        if cx: d['cexit'] = cx[0]
        sm = [ts for p, t, ts, e, tr in L if e == 'syscalls:sys_enter_sendmsg' and p == ip and t == ip]
        if sm: d['ended'] = sm[-1]
        ix = [ts for p, t, ts, e, tr in L if e == 'sched:sched_process_exit' and p == ip and t == ip]
        if ix: d['iexit'] = ix[0]
        cmds.append(d)
    cmds.sort(key=lambda d: d['cexec'])
    fds = [(ts, e) for p, t, ts, e, tr in L if e.endswith('fdatasync') and p == spid]
    sx = [ts for p, t, ts, e, tr in L if e == 'sched:sched_process_exit' and p == spid and t == spid]
    if cmds:
        d = cmds[0]
        add('first: shark exec -> its pid1 clone', d['clone'] - t0)
        add('first: clone -> init exec', d['iexec'] - d['clone'])
        add('first: init exec -> plan recv', d['plan'] - max(d['iexec'], d['clone']))
        add('first: shark exec -> plan recv', d['plan'] - t0)
        add('first: plan -> cmd exec', d['cexec'] - d['plan'])
    for i, d in enumerate(cmds):
        if 'cexit' in d and 'ended' in d: add('cmd exit -> ended sent', d['ended'] - d['cexit'])
        if i + 1 < len(cmds) and 'cexit' in d:
            n = cmds[i + 1]
            add('cmd exit -> next plan recv', n['plan'] - d['cexit'])
            ss = [ts for ts, e in fds if d['cexit'] < ts < n['plan']]
            ent = [ts for ts, e in fds if d['cexit'] < ts < n['plan'] and 'enter' in e]
            ext = [ts for ts, e in fds if d['cexit'] < ts < n['plan'] and 'exit' in e]
            if ent and ext and 'ended' in d:
                add('ended -> fdatasync', ent[0] - d['ended'])
                add('fdatasync', ext[-1] - ent[0])
                add('fdatasync end -> next plan recv', n['plan'] - ext[-1])
            add('fdatasyncs between (count)', len(ent))
    if cmds and 'cexit' in cmds[-1] and sx: add('last cmd exit -> shark exit', sx[0] - cmds[-1]['cexit'])
    if sx: add('total', sx[0] - t0)
for k, v in S.items():
    print('%-40s n=%-4d median %.2f%s' % (k, len(v), statistics.median(v), '' if 'count' in k else ' ms'))
