#!/bin/sh
# memo_process_attrs.sh - a command's resource limits, nice value and CPU
# set are inputs when it looks at them (docs/memo.md, "Process
# attributes"): after `ulimit -n 64`, `ulimit -s`, under `taskset -c 0` or
# `nice -n 5`, `sh -c 'ulimit -n'`, `nproc` and `nice` re-run and print
# what bash prints, and so does a read of /proc/self/limits. The other
# side: an unchanged attribute still hits, and a command that never looked
# at the limit that changed (`cat`, which reads only the stack's, which is
# keyed) still hits after `ulimit -n 64` (only what was observed is keyed).
# A failure is keyed on the limits the kernel enforces, read or not; the
# values are those the command started with, not the shell's at the
# record; sched_getattr/sched_getscheduler/ioprio_get and /proc/self/stat,
# status count as looks.
. "$(dirname "$0")/../lib/e2e.sh"

# why_says NAME TEXT: `shark why last` mentions TEXT.
why_says() {
	checks=$((checks + 1))
	"$SHARK" why last >"$root/why" 2>&1
	grep -q "$2" "$root/why" || fail "$1: why does not say [$2]: $(cat "$root/why")"
}

echo small >small.txt

# -- RLIMIT_NOFILE: traced --------------------------------------------------------
n='sh -c "ulimit -n"'
sk "$n"; like_bash nofile-cold "$n"
sk "$n"; expect_hit nofile-warm; like_bash nofile-warm "$n"
sk "ulimit -n 64; $n"; expect_miss nofile-64; expect_out nofile-64 64
like_bash nofile-64 "ulimit -n 64; $n"
why_says nofile-64-why 'rlimit nofile'
sk "ulimit -n 64; $n"; expect_hit nofile-64-warm; expect_out nofile-64-warm 64
sk "$n"; expect_hit nofile-back; like_bash nofile-back "$n"
# the user's trial: one script, the limit changed between two runs (the
# second from a prepared sandbox or the zygote, made before the change)
t='cat small.txt; cat small.txt; sh -c "ulimit -n"; ulimit -n 64; sh -c "ulimit -n"; ulimit -Sn 32; sh -c "ulimit -n"'
sk "$t"; like_bash trial-cold "$t"
sk "$t"; like_bash trial-warm "$t"
# the hard limit alone (the soft one below both)
h='ulimit -Sn 64; sh -c "ulimit -Hn"'
sk "$h"; sk "$h"; expect_hit nofile-hard-warm
sk "ulimit -Sn 64; ulimit -Hn 500; $h"; expect_miss nofile-hard-500
expect_out nofile-hard-500 500

# -- RLIMIT_NPROC is the plan's (SHARK_MAX_PROCS, docs/sandbox.md) -----------------
p='sh -c "ulimit -p"'
sk "$p"; sk "$p"; expect_hit nproc-limit-warm
SHARK_NOTICES=1 SHARK_MAX_PROCS=3000 "$SHARK" -c "$p" >"$root/out" 2>"$root/err"
st=$?; out=$(cat "$root/out"); err=$(cat "$root/err")
expect_miss nproc-limit-3000; expect_out nproc-limit-3000 3000

# -- observed only: cat reads no limit but the stack's -----------------------------
sk 'cat small.txt'; sk 'cat small.txt'; expect_hit cat-warm
sk 'ulimit -n 64; cat small.txt'; expect_hit cat-nofile-64; expect_out cat-nofile-64 small

# -- sort reads RLIMIT_RSS (never enforced: harmless to change) ---------------------
sk 'sort small.txt'; sk 'sort small.txt'; expect_hit sort-warm
sk 'ulimit -m 1000000; sort small.txt'; expect_miss sort-rss; expect_out sort-rss small
sk 'ulimit -m 1000000; sort small.txt'; expect_hit sort-rss-warm

# -- RLIMIT_STACK: in the action key ------------------------------------------------
s='sh -c "ulimit -s"'
sk "$s"; like_bash stack-cold "$s"
sk "$s"; expect_hit stack-warm
sk "ulimit -s 4096; $s"; expect_miss stack-4096; expect_out stack-4096 4096
like_bash stack-4096 "ulimit -s 4096; $s"
sk "$s"; expect_hit stack-back; like_bash stack-back "$s"

# -- /proc/self/limits shows every limit --------------------------------------------
l='grep "Max open files" /proc/self/limits'
sk "$l"; like_bash limits-cold "$l"
sk "$l"; expect_hit limits-warm
sk "ulimit -n 64; $l"; expect_miss limits-64; like_bash limits-64 "ulimit -n 64; $l"

# -- the nice value ------------------------------------------------------------------
sk nice; like_bash nice-cold nice
sk nice; expect_hit nice-warm
SHARK_NOTICES=1 nice -n 5 "$SHARK" -c nice >"$root/out" 2>"$root/err"
st=$?; out=$(cat "$root/out"); err=$(cat "$root/err")
expect_miss nice-5; like_bash nice-5 'nice -n 5 nice'
sk nice; expect_hit nice-back; like_bash nice-back nice

# lowering the nice value works or not by the nice value and RLIMIT_NICE:
# both are recorded (no capability in the sandbox, even as root: not
# compared with bash, which root runs with CAP_SYS_NICE)
sk 'nice -n -5 nice'
checks=$((checks + 1))
"$SHARK" show last >"$root/show" 2>&1
grep -q 'rlimit nice' "$root/show" && grep -q 'nice value' "$root/show" ||
	fail "nice-lower: the run's inputs lack the nice value or RLIMIT_NICE: $(cat "$root/show")"

# -- the CPU set ---------------------------------------------------------------------
if [ "$(nproc)" -ge 2 ] && taskset -c 0 true 2>/dev/null; then
	sk nproc; like_bash nproc-cold nproc
	sk nproc; expect_hit nproc-warm
	SHARK_NOTICES=1 taskset -c 0 "$SHARK" -c nproc >"$root/out" 2>"$root/err"
	st=$?; out=$(cat "$root/out"); err=$(cat "$root/err")
	expect_miss nproc-cpu0; expect_out nproc-cpu0 1
	why_says nproc-cpu0-why 'CPU affinity'
	sk nproc; expect_hit nproc-back; like_bash nproc-back nproc
else
	echo "memo_process_attrs: one CPU (or no taskset): the CPU set checks are skipped"
fi

# -- a failure replays only under the limits it met (read or not) ------------------
i=1
while [ $i -le 100 ]; do echo $i >g$i; i=$((i + 1)); done
F=$(i=1; while [ $i -le 100 ]; do printf 'g%d ' $i; i=$((i + 1)); done)
pf="paste $F >pasted.txt; echo rc=\$?"
sk "ulimit -n 40; $pf"; expect_out paste-40-cold rc=1
sk "ulimit -n 40; $pf"; expect_hit paste-40-warm; expect_out paste-40-warm rc=1
sk "$pf"; expect_miss paste-limit-gone; expect_out paste-limit-gone rc=0
like_bash paste-limit-gone "$pf"
# a success that read no limit is not keyed on them
sk 'paste g1 g2 g3'; sk 'ulimit -n 64; paste g1 g2 g3'; expect_hit paste-ok-64
expect_out paste-ok-64 "$(printf '1\t2\t3')"
# ... one that read it is (sh's `ulimit -n` above): recorded, then missed
sk 'sh -c "ulimit -n; true"'; sk 'ulimit -n 64; sh -c "ulimit -n; true"'
expect_miss read-ok-64; expect_out read-ok-64 64
# (a shell built with ASan cannot work under a 400 MB address space)
sk 'ulimit -v 400000; echo ok'
if [ "$out" != ok ]; then
	echo "memo_process_attrs: this shark cannot run under ulimit -v 400000: the RLIMIT_AS failure is skipped"
elif command -v python3 >/dev/null; then
	py="python3 -c 'x = bytearray(500 << 20)' 2>/dev/null; echo rc=\$?"
	sk "ulimit -v 400000; $py"; expect_out as-400m-cold rc=1
	sk "$py"; expect_miss as-limit-gone; expect_out as-limit-gone rc=0
fi

# -- the values a command started with, not the shell's at the record ----------------
if [ "$(nproc)" -ge 2 ] && taskset -c 0 true 2>/dev/null; then
	q='sh -c "sleep 1; nproc"'
	rm -f "$root/pid"
	# the shell's CPU set changes from outside while the command runs
	(
		while [ ! -s "$root/pid" ]; do sleep 0.05; done
		sleep 0.5
		taskset -a -p -c 0 "$(cat "$root/pid")" >/dev/null
	) &
	sk "echo \$\$ >$root/pid; $q"; wait
	expect_out taskset-during "$(nproc)"
	SHARK_NOTICES=1 taskset -c 0 "$SHARK" -c "$q" >"$root/out" 2>"$root/err"
	st=$?; out=$(cat "$root/out"); err=$(cat "$root/err")
	expect_miss taskset-during-cpu0; expect_out taskset-during-cpu0 1
else
	echo "memo_process_attrs: one CPU (or no taskset): the CPU set during a run is skipped"
fi

# -- scheduling policy and I/O priority ------------------------------------------------
# run SCRIPT with the prefix PRE (a command that sets an attribute for
# shark), into $out, $err, $st
under() {
	SHARK_NOTICES=1 $1 "$SHARK" -c "$2" >"$root/out" 2>"$root/err"
	st=$?; out=$(cat "$root/out"); err=$(cat "$root/err")
}
if command -v ionice >/dev/null && ionice -c3 true 2>/dev/null; then
	under "ionice -c3" ionice; like_bash ionice-idle 'ionice -c3 ionice'
	sk ionice; expect_miss ionice-back; like_bash ionice-back ionice
	sk ionice; expect_hit ionice-warm
else
	echo "memo_process_attrs: no ionice: the I/O priority checks are skipped"
fi
if command -v chrt >/dev/null && chrt -b 0 true 2>/dev/null; then
	c='sh -c "chrt -p \$\$ | grep -o \"SCHED_[A-Z]*\""'
	under "chrt -b 0" "$c"; like_bash chrt-batch "chrt -b 0 $c"
	sk "$c"; expect_miss chrt-back; like_bash chrt-back "$c"
	sk "$c"; expect_hit chrt-warm
else
	echo "memo_process_attrs: no chrt: the scheduling policy checks are skipped"
fi

# -- /proc/self/stat and /proc/self/status ----------------------------------------------
st19='cut -d" " -f19 /proc/self/stat'
under "nice -n 5" "$st19"; like_bash stat-nice-5 "nice -n 5 $st19"
sk "$st19"; expect_miss stat-nice-back; like_bash stat-nice-back "$st19"
if [ "$(nproc)" -ge 2 ] && taskset -c 0 true 2>/dev/null; then
	ca='grep Cpus_allowed_list /proc/self/status'
	under "taskset -c 0" "$ca"; like_bash status-cpu0 "taskset -c 0 $ca"
	under "taskset -c 1" "$ca"; expect_miss status-cpu1; like_bash status-cpu1 "taskset -c 1 $ca"
fi

# -- a file cut short by ulimit -f in a run that succeeded ------------------------------
# A command that ignores SIGXFSZ (CPython does) is cut at the limit and may
# exit 0: its file is right only under that limit, and it is not replayed
# once the limit is raised (dash then writes the whole file).
head -c 4096 /dev/zero >big4k
cut_cmd='sh -c "trap \"\" XFSZ; cat big4k > cut.out 2>/dev/null; true"; wc -c < cut.out'
sk "ulimit -f 1; $cut_cmd"
checks=$((checks + 1)); [ "$out" = 512 ] || fail "fsize-cut: [$out], want 512"
rm -f cut.out
sk "$cut_cmd"; expect_miss fsize-cut-raised
checks=$((checks + 1)); [ "$out" = 4096 ] || fail "fsize-cut-raised: [$out], want dash's 4096"

finish
