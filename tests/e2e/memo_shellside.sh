#!/bin/sh
# memo_shellside.sh - what the shell remembers or asks the kernel once per
# command to spend less per cold command (docs/performance.md, "The cold
# path") stays true when things change under it:
#   * the files a run read that were found not to name the workspace are
#     not opened again while their identity (device, inode, size, mtime,
#     ctime) is the same: a file rewritten to name it makes the next run
#     location-bound (never served in a copy at another path);
#   * the signals a command starts with ignored are read from the kernel
#     for each command (a trap set or reset between commands counts), as
#     dash passes them;
#   * the shell's pid, kept by the engine until a fork (util_getpid): a
#     subshell, a command substitution and a pipeline's forked stages are
#     other processes, which open their own store and clone their own
#     sandboxes (each command there is recorded, then a hit, no warning).
. "$(dirname "$0")/../lib/e2e.sh"
unset SHARK_WORKSPACE # the workspace is the git top-level: it moves with it

# ---- the clean-file memory of the location-bound rule -------------------------
p1=$root/home/proj
mkdir -p "$p1/.git"
printf 'plain text\n' >"$p1/conf"
# the memory keeps only files whose last change is 2 s old or more
sleep 3
# one shell: wc reads conf (clean, remembered), conf is rewritten to name
# the workspace, wc reads it again (a miss: conf changed) and must find
# the path in it, though wc prints only a count
(cd "$p1" && SHARK_NOTICES=1 "$SHARK" -c 'wc -c conf; printf "%s/data\n" "$PWD" >conf; wc -c conf' \
	</dev/null >"$root/out" 2>"$root/err")
checks=$((checks + 1))
want=$(printf '11 conf\n%s conf' "$(( ${#p1} + 6 ))")
[ "$(cat "$root/out")" = "$want" ] || fail "wc in one shell printed [$(cat "$root/out")], want [$want]"
p2=$root/home/proj2
cp -a "$p1" "$p2"
# in the copy, conf still names proj: the run that read it is bound to proj
(cd "$p2" && SHARK_NOTICES=1 "$SHARK" -c 'wc -c conf' </dev/null >"$root/out" 2>"$root/err")
out=$(cat "$root/out")
err=$(cat "$root/err")
expect_miss "a file rewritten to name the workspace in the same shell binds the run"
checks=$((checks + 1))
[ "$out" = "$(( ${#p1} + 6 )) conf" ] || fail "wc in the copy printed [$out]"
# and the clean one (the first run's trace) still relocates: conf back to it
printf 'plain text\n' >"$p2/conf"
(cd "$p2" && SHARK_NOTICES=1 "$SHARK" -c 'wc -c conf' </dev/null >"$root/out" 2>"$root/err")
out=$(cat "$root/out")
err=$(cat "$root/err")
expect_hit "a clean file's run is served in the copy"

# ---- ignored signals, asked per command ---------------------------------------
cd "$ws" || exit 1
# (signals 1-28 only: glibc's own 32 and 33, ignored by some test
# runners, are passed on by dash and not by shark, whose sigaction refuses
# them)
sigs='trap "" USR1 TERM; grep "^SigIgn" /proc/self/status | cut -c18-
trap - USR1; grep -e "^SigIgn" /proc/self/status | cut -c18-24
(trap "" HUP; grep -h "^SigIgn" /proc/self/status | cut -c 18-)
grep -s "^SigIgn" /proc/self/status | cut -c18-25 & wait
trap - TERM; grep -x "^SigIgn.*" /proc/self/status | cut -c 18-24'
sk "$sigs"
same_as_dash "ignored signals after trap, trap -, in a subshell and in the background" "$sigs"

# ---- the pid kept until a fork ------------------------------------------------
forks='/bin/echo top-1
( /bin/echo sub-1; /bin/echo sub-2 )
x=$(/bin/echo subst-1; /bin/echo subst-2); echo "$x"
{ /bin/echo group-1; /bin/echo group-2; } | cat
( ( /bin/echo nested-1 ); /bin/echo nested-2 ) &
wait
/bin/echo top-2'
sk "$forks"
same_as_dash "commands in subshells, substitutions and forked stages, cold" "$forks"
checks=$((checks + 1))
[ -z "$(grep -v "^shark: cached" "$root/err")" ] || fail "forked children warned: $err"
sk "$forks"
checks=$((checks + 1))
[ "$(grep -c "^shark: cached" "$root/err")" -ge 10 ] ||
	fail "forked children's commands were not recorded (2nd run: $err)"

finish
