#!/bin/sh
# sandbox_zygote.sh - a script's later commands start in pid 1s cloned by
# the shell's zygote (shark-init exec'd once; docs/sandbox.md, "pid 1 is
# shark-init"): not exec'd (pid 1's command line is the zygote's), still
# the shell's children; the zygote is no job; a killed zygote falls back
# to exec'd pid 1s; a subshell's commands never use it; results and
# statuses are those of dash.
. "$(dirname "$0")/../lib/e2e.sh"

# pid 1's command line as its command sees it: "shark-init -" when
# exec'd, the zygote's "shark-init zygote" when cloned by it.
pid1='nocache sh -c "tr \"\\0\" \" \" </proc/1/cmdline; echo"'

sk "for i in 1 2 3 4 5 6; do $pid1; done"
case $(printf '%s\n' "$out" | sed -n 1p) in
"shark-init - ") ;;
*) fail "first command's pid 1 exec'd: [$out]" ;;
esac
checks=$((checks + 1))
case $(printf '%s\n' "$out" | sed -n 5,6p | tr '\n' '|') in
"shark-init zygote |shark-init zygote |") ;;
*) fail "later commands' pid 1s cloned by the zygote: [$out]" ;;
esac
checks=$((checks + 1))

# The zygote and the pid 1s are the shell's children (ps is a live
# command: it sees the host's processes); the zygote is no job: `jobs`
# lists nothing, `wait` returns at once, $! is the background job's.
sk "for i in 1 2 3 4; do nocache true; done
ps -o comm= --ppid \$\$ | grep -x -e shark-init -e shark-zygote | sort -u
jobs; echo jobs=\$?
nocache sh -c 'exit 4' & p=\$!
wait; echo wait=\$?
wait \$p; echo waitp=\$?"
expect_out "the zygote among the shell's children, no job" \
	"$(printf 'shark-init\nshark-zygote\njobs=0\nwait=0\nwaitp=4')"

# Killed: the script goes on, its next pid 1s exec'd again.
sk "for i in 1 2 3 4; do nocache true; done
ps -o pid=,comm= --ppid \$\$ >procs
while read p c; do [ \"\$c\" = shark-zygote ] && kill -9 \"\$p\" && echo killed; done <procs
for i in 1 2 3 4; do $pid1; done
nocache sh -c 'echo after; exit 5'; echo st=\$?"
checks=$((checks + 1))
case $out in
killed*"shark-init - "*after*st=5) ;;
*) fail "a killed zygote falls back: [$out]" ;;
esac

# The terminal's signals (it sits in the shell's process group) neither
# end nor stop it: it goes on serving.
sk "for i in 1 2 3 4; do nocache true; done
ps -o pid=,comm= --ppid \$\$ >procs
while read p c; do [ \"\$c\" = shark-zygote ] && kill -INT \$p && kill -TSTP \$p &&
	kill -HUP \$p && kill -QUIT \$p && kill -TERM \$p && echo signalled; done <procs
for i in 1 2 3 4; do $pid1; done"
checks=$((checks + 1))
case $out in
signalled*"shark-init zygote ") ;;
*) fail "the zygote survives terminal signals: [$out]" ;;
esac

# It and its clones die with the shell (SIGKILL: no exit handler runs).
"$SHARK" -c 'for i in 1 2 3 4; do nocache true; done; nocache sleep 30' \
	>/dev/null 2>&1 &
sh_pid=$!
kids=
for i in $(seq 50); do
	kids=$(ps -o pid=,comm= --ppid "$sh_pid" | grep -e shark-zygote -e shark-init)
	case $kids in *shark-zygote*shark-init* | *shark-init*shark-zygote*) break ;; esac
	sleep 0.1
done
kill -9 "$sh_pid"
wait "$sh_pid" 2>/dev/null
sleep 0.5
checks=$((checks + 1))
case $kids in
*shark-zygote*) ;;
*) fail "a zygote and pid 1s under the shell: [$kids]" ;;
esac
left=
for p in $(printf '%s\n' "$kids" | awk '{print $1}'); do
	[ -d /proc/"$p" ] && [ "$(cat /proc/"$p"/stat 2>/dev/null | awk '{print $3}')" != Z ] &&
		left="$left $p"
done
checks=$((checks + 1))
[ -z "$left" ] || fail "left running after the shell's death:$left"

# A subshell (a forked copy of the shell) never asks the shell's zygote:
# its commands run, with their statuses, in pid 1s of its own (a
# subshell and a command substitution, each with more than two runs, so
# that each may spawn a zygote of its own).
script='for i in 1 2 3 4; do nocache true; done
( for i in 1 2 3 4 5; do nocache sh -c "exit $i"; echo "sub $?"; done )
echo "after $?"
for i in 1 2; do nocache sh -c "echo main $i"; done
x=$(for i in 1 2 3 4; do nocache echo "cs $i"; done); echo "$x"'
sk "$script"
expect_out "a subshell's commands" "$(printf 'sub %s\n' 1 2 3 4 5; echo 'after 0'
	printf 'main %s\n' 1 2; printf 'cs %s\n' 1 2 3 4)"


# The shell's own descriptors (the store's index, prepared sandboxes'
# channels, the zygote's socket) are no script's: a redirection from one
# is "Bad file descriptor" (bash, which holds none of these, gives the
# same output), so no command can be handed the zygote's socket and ask
# it for a pid 1 of its own plan. The script's own fd 12 is one.
fdloop='echo data >userfd; exec 12<userfd
n=10; while [ $n -le 64 ]; do
	if [ -e /proc/$$/fd/$n ]; then ( nocache true <&$n ) 2>/dev/null && echo "open $n"; fi
	n=$((n + 1))
done
nocache cat <&12; echo "st $?"'
sk "for i in 1 2 3 4; do nocache true; done
$fdloop"
bash -c "nocache() { \"\$@\"; }
$fdloop" >"$root/bout" 2>/dev/null
expect_out "the shell's own fds are closed to redirections (as bash)" "$(cat "$root/bout")"
case $(cat "$root/bout") in
*"open 12"*"data"*"st 0") ;;
*) fail "bash's reference output: [$(cat "$root/bout")]" ;;
esac

finish
