#!/bin/sh
# sandbox_prep_first.sh - a sandbox prepared at a shell's first command
# (docs/sandbox.md, "Prepared sandboxes"): a shell about to hand its first
# sure-to-run external command (`nocache`, `force`, `shark -f`) to the
# engine in its own process clones that run's pid 1 before it opens the
# workspace and the store. It must be invisible: nothing made for a script
# that runs no command, nothing left once the shell is gone, statuses as in
# dash, and never used for a plan it does not fit.
. "$(dirname "$0")/../lib/e2e.sh"

# A script of builtins only: no sandbox is made (the only child of the
# shell is the `host` ps itself), and no scratch directory is left.
sk 'echo hi; x=$(echo sub); echo "$x"; host ps -o comm= --ppid $$'
expect_out "no command, no sandbox" "hi
sub
ps"
checks=$((checks + 1))
left=$(ls -A "$store/scratch" 2>/dev/null)
[ -z "$left" ] || fail "no command: scratch left behind: [$left]"

# Statuses are dash's.
for s in 'exit 3' 'true' 'false' 'nocache sh -c "exit 4"' 'nocache sh -c "exit 5"; exit 6' \
	'nocache /nonexistent/cmd' 'nocache sh -c "kill -TERM \$\$"'; do
	sk "$s"
	same_as_dash "status of [$s]" "$(printf '%s' "$s" | sed 's/nocache //g')"
done

# A sure-to-run first command whose run does not start (its redirections
# fail) leaves the prepared pid 1 unused: it is there while the shell
# runs, a child of the shell, and gone once the shell has exited; no
# scratch directory is made for it. (Both stages fail: a stage whose
# redirection fails ends alone and the others run, as in dash, whose
# status for this pipeline is 2.)
before=$(ls -A "$store/scratch" 2>/dev/null | wc -l)
sk 'nocache cat </nonexistent | nocache cat </nonexistent; echo "st=$?"; host ps -o pid=,comm= --ppid $$'
checks=$((checks + 1))
pid1=$(printf '%s\n' "$out" | awk '$2 == "shark-init" || $2 == "shark" { print $1; exit }')
[ -n "$pid1" ] || fail "sure-to-run first command: no prepared pid 1 among the shell's children [$out]"
case $out in st=2*) ;; *) fail "a failed redirection: [$out], expected st=2 (dash's)" ;; esac
if [ -n "$pid1" ]; then
	n=0
	while kill -0 "$pid1" 2>/dev/null && [ "$(ps -o stat= -p "$pid1" | cut -c1)" != Z ] &&
		[ $n -lt 50 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	checks=$((checks + 1))
	if kill -0 "$pid1" 2>/dev/null && [ "$(ps -o stat= -p "$pid1" | cut -c1)" != Z ]; then
		fail "the unused prepared pid 1 $pid1 outlived its shell: $(ps -o pid=,ppid=,comm= -p "$pid1")"
	fi
fi
checks=$((checks + 1))
after=$(ls -A "$store/scratch" 2>/dev/null | wc -l)
[ "$before" = "$after" ] || fail "unused prepared pid 1: scratch dirs $before before, $after after"

# Not used for a plan it does not fit: the limits, the umask and the
# directory changed between the clone and the next run must be the ones
# that run sees.
s='nocache cat </nonexistent | nocache cat
ulimit -n 77
nocache sh -c "ulimit -n"
umask 027
nocache sh -c umask
mkdir -p d && cd d
nocache sh -c "pwd | sed s,.*/,,"'
sk "$s"
same_as_dash "not fitting: a fresh pid 1" "$(printf '%s' "$s" | sed 's/nocache //g')"

# The same with `shark -f` (every command sure to run) and a pipeline first.
cat >"$root/f.sh" <<'X'
printf 'b\na\n' | sort | tr a-z A-Z
ulimit -n 66
sh -c 'ulimit -n'
echo x >f
cat f
X
checks=$((checks + 1))
"$SHARK" -f "$root/f.sh" >"$root/out" 2>"$root/err"
st=$?
out=$(cat "$root/out")
ref "$(cat "$root/f.sh")"
[ "$out" = "$rout" ] && [ "$st" = "$rst" ] ||
	fail "shark -f, a pipeline first: [$out] status $st ($(cat "$root/err")), dash [$rout] status $rst"

finish
