#!/bin/sh
# sandbox_prep.sh - prepared sandboxes (docs/sandbox.md, "Prepared
# sandboxes"): a script's shell clones the next run's pid 1 while a command
# runs, and the next command starts in it. Whatever the script changed in
# between (umask, cwd, environment, resource limits, files of the
# workspace, stdio) must be what that command sees: each script's output
# and status must be dash's.
. "$(dirname "$0")/../lib/e2e.sh"

# as_dash NAME FILE: shark and dash run the script FILE alike.
as_dash() {
	checks=$((checks + 1))
	"$SHARK" "$2" >"$root/out" 2>"$root/err"
	st=$?
	dash "$2" >"$root/rout" 2>/dev/null
	rst=$?
	out=$(cat "$root/out")
	rout=$(cat "$root/rout")
	[ "$out" = "$rout" ] && [ "$st" = "$rst" ] ||
		fail "$1: shark gave [$out] status $st ($(cat "$root/err")), dash [$rout] status $rst"
}

# Each script starts with two commands, so that the ones after them run in
# prepared sandboxes (made from a process's second run on).
cat >"$root/state.sh" <<'X'
cat /dev/null
cat /dev/null
umask 077
sh -c umask
umask 022
sh -c umask
FOO=one; export FOO
sh -c 'echo "$FOO"'
FOO=two
sh -c 'echo "$FOO"'
mkdir -p d/e
cd d/e
pwd | sed 's|.*/||'
cd ../..
sh -c 'pwd | sed "s|.*/||"'
ulimit -n 64
sh -c 'ulimit -n'
echo made-by-the-shell >f1
cat f1
sh -c 'echo made-by-a-run >f2'
cat f2
rm f2
cat f2 2>/dev/null || echo gone
printf 'in\n' | cat
cat <f1
exit 3
X
as_dash state "$root/state.sh"

# The same from a pipeline's stages and a command substitution.
cat >"$root/pipes.sh" <<'X'
cat /dev/null
cat /dev/null
umask 027
x=$(sh -c umask)
echo "$x"
printf 'b\na\n' | sort | tr a-z A-Z
sh -c umask | cat
umask 022
printf 'c\n' >g
tr c C <g | cat
X
as_dash pipes "$root/pipes.sh"

# Many commands in a row: every one of them in the sandbox prepared while
# the one before it ran.
i=0
: >"$root/many.sh"
while [ $i -lt 12 ]; do
	echo "echo $i | tr 0-9 a-j" >>"$root/many.sh"
	echo "umask 0$((i % 7))$((i % 3))" >>"$root/many.sh"
	echo "sh -c umask" >>"$root/many.sh"
	i=$((i + 1))
done
as_dash many "$root/many.sh"

# The next pid 1 is made on CPUs other than the running command's, and
# gets the shell's CPUs back before its plan (sandbox/run.c,
# prep_off_cpu_begin): the command it starts sees the shell's CPU set.
# `sleep` keeps the second command running while the third's pid 1 is
# made; the fourth and fifth start in sandboxes prepared the same way.
cat >"$root/cpus.sh" <<'X'
cat /dev/null
sleep 0.3
grep Cpus_allowed_list /proc/self/status
sh -c 'sleep 0.2; grep Cpus_allowed_list /proc/self/status'
nproc
X
as_dash cpus "$root/cpus.sh"

# pid 1's tracer thread, started before the plan, gets the shell's CPU set
# back too (sandbox/setup.c, tracer_thread_ahead), not only its main thread.
checks=$((checks + 1))
cat >"$root/cpus-tracer.sh" <<'X'
cat /dev/null
nocache sh -c 'sleep 0.3'
nocache sh -c 'sleep 0.3'
nocache sh -c 'grep -h Cpus_allowed_list /proc/1/task/*/status /proc/self/status'
X
want=$(grep Cpus_allowed_list /proc/self/status)
got=$("$SHARK" "$root/cpus-tracer.sh" 2>"$root/err" | sort -u)
[ "$got" = "$want" ] ||
	fail "cpus of pid 1's threads: [$got], want [$want] ($(cat "$root/err"))"

# A limit changed from outside the shell (`prlimit --pid`, here by a host
# command) between two commands: the sandbox prepared before the change
# must not be used (its pid 1 has the old limits), soft and hard alike.
if command -v prlimit >/dev/null 2>&1; then
	checks=$((checks + 1))
	cat >"$root/outside.sh" <<'X'
sh -c ': outside, a first run, not a hit'
sh -c ': outside, a second run'
sh -c 'ulimit -n; : before'
host prlimit --pid $$ --nofile=60:4000
sh -c 'ulimit -n; : after'
sh -c 'ulimit -Hn; : after, hard'
X
	out=$("$SHARK" "$root/outside.sh" 2>"$root/err" | tr '\n' ' ')
	case $out in
	*" 60 4000 ") ;;
	*) fail "outside prlimit: got [$out] ($(cat "$root/err")), want the new limits 60 4000" ;;
	esac
fi
# The mounts a prepared pid 1 builds before its plan comes (the host's tree,
# /proc, /dev) isolate as those of a pid 1 cloned for its run: the third
# command runs in a prepared sandbox and prints only what is wrong (without
# changing anything of the host's, were it wrong).
cat >"$root/iso.sh" <<'X'
cat /dev/null
cat /dev/null
sh -c 'for d in sys sysrq-trigger irq bus fs acpi; do
	[ -e /proc/$d ] || continue
	awk -v m=/proc/$d "\$5 == m && \$6 ~ /^ro/ { f = 1 } END { exit !f }" /proc/self/mountinfo ||
		echo "unprotected /proc/$d"
done
(: >> /proc/sys/kernel/core_pattern) 2>/dev/null && echo core_pattern-writable
touch /dev/new 2>/dev/null && echo dev-added
chmod "$(stat -c %a /dev/full)" /dev/full 2>/dev/null && echo dev-chmod
[ -w /etc ] && echo host-writable
awk "\$5 == \"/\" && \$6 !~ /^ro/ { print \"writable /\" }" /proc/self/mountinfo
echo done'
X
checks=$((checks + 1))
out=$("$SHARK" "$root/iso.sh" 2>"$root/err")
[ "$out" = done ] || fail "isolation in a prepared sandbox: [$out] ($(cat "$root/err"))"

# A script's pipeline of two stages starts both in prepared sandboxes
# (memo/run.c, prepare_next: as many are made as the widest pipeline had
# stages): each stage sees its pid 1 started long before itself (its
# start time, in clock ticks since boot, at least 0.5 s before the
# command's, made while `sleep 1 | cat` ran); a pid 1 cloned for the
# stage is a few ticks older at most.
cat >"$root/width.sh" <<'X'
sh -c ': width, a first run, not a hit'
sleep 1 | cat
sh -c 'awk "{ print \$22 }" /proc/1/stat /proc/self/stat | tr "\n" " " | awk "{ print (\$2 - \$1 >= 50) ? \"prepared\" : \"fresh\" }"; : w1' | sh -c 'cat; awk "{ print \$22 }" /proc/1/stat /proc/self/stat | tr "\n" " " | awk "{ print (\$2 - \$1 >= 50) ? \"prepared\" : \"fresh\" }"; : w2'
X
checks=$((checks + 1))
out=$("$SHARK" "$root/width.sh" 2>"$root/err" | tr '\n' ' ')
[ "$out" = "prepared prepared " ] ||
	fail "a two-stage pipeline in a script: [$out], want both stages prepared ($(cat "$root/err"))"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
