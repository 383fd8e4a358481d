#!/bin/sh
# memo_commit_later.sh - a script's shell commits a command's records once
# its next command has started (docs/store.md, "What a crash can and
# cannot lose"): the synced commit overlaps that command. Until then the
# records are only in the shell's memory: anything else the shell does
# first (a builtin, a fork, an exit, an error) commits them, and a lookup
# of the same command sees them.
. "$(dirname "$0")/../lib/e2e.sh"
: "${BUILD:?BUILD must point at the build directory}"
unset SHARK_STORE_NOSYNC

printf 'one\ntwo\nthree\n' >in.txt

# The same command twice in a row: the second finds the first's record.
sk 'rev in.txt; rev in.txt'
checks=$((checks + 1))
[ "$(grep -c 'shark: cached' "$root/err")" = 1 ] ||
	fail "same command twice: the second should hit once (stderr: $err)"
same_as_dash twice 'rev in.txt; rev in.txt'

# The history keeps the commands' order: a hit, or a `host` command, after
# a miss whose records are still open commits them first.
sk 'cut -c1-3 in.txt'
sk 'cut -c1-4 in.txt; cut -c1-3 in.txt'
checks=$((checks + 1))
log=$("$SHARK" log -n 2)
first=$(printf '%s\n' "$log" | sed -n 1p)
second=$(printf '%s\n' "$log" | sed -n 2p)
case $first in *hit*'cut -c1-3 in.txt'*) ;; *) fail "history order: newest [$first], expected the hit of cut -c1-3" ;; esac
case $second in *miss*'cut -c1-4 in.txt'*) ;; *) fail "history order: before it [$second], expected the miss of cut -c1-4" ;; esac
sk 'cut -c1-5 in.txt; host echo on-the-host'
checks=$((checks + 1))
first=$("$SHARK" log -n 1)
case $first in *'echo on-the-host'*) ;; *) fail "history order: newest [$first], expected the host command" ;; esac

# shark's own program in a script (run on the host) sees the command
# before it.
sk "cut -c1-6 in.txt >/dev/null; \"$SHARK\" log -n 1"
checks=$((checks + 1))
case $out in *'cut -c1-6 in.txt'*) ;; *) fail "shark log in the script: [$out], expected the command before it" ;; esac

# Every way out commits the last command's records (each a command of its
# own: the file a command's stdout is redirected to is not in its key).
n=0
for how in 'exit 3' 'false' '${nope?unset}' 'exec 3>&-; return 2>/dev/null; :'; do
	n=$((n + 1))
	sk "cut -c1-$((n + 10)) in.txt >up$n.txt; $how"
	sk "cut -c1-$((n + 10)) in.txt >up$n.txt"
	expect_hit "recorded before [$how]"
done
# a subshell's last command, and a pipeline's
sk '(head -n 1 in.txt; tail -n 1 in.txt)'
sk 'tail -n 1 in.txt'
expect_hit "a subshell's last command"
sk 'sort in.txt | head -n 2'
sk 'sort in.txt | head -n 2'
expect_hit "a pipeline, the script's last command"
same_as_dash pipeline 'sort in.txt | head -n 2'
# a script file without #! as the last command: the shell execs a new
# shark in its place
printf 'echo from-the-script\n' >"$root/noshebang"
chmod +x "$root/noshebang"
sk "cut -c1-40 in.txt >exec.txt; \"$root/noshebang\""
expect_out "exec'd script" "from-the-script"
sk 'cut -c1-40 in.txt >exec.txt'
expect_hit "recorded before the shell exec'd a script in its place"
# a command followed by builtins only, then the end of a script file
printf 'cut -c1-2 in.txt\nx=1\necho "$x"\n' >"$root/s.sh" # cut -c1-2: not run before
"$SHARK" "$root/s.sh" >"$root/out" 2>"$root/err"
SHARK_NOTICES=1 "$SHARK" "$root/s.sh" >"$root/out" 2>"$root/err"
err=$(cat "$root/err")
expect_hit "a script file's command followed by builtins"

# Records wait only from one command to the next: a builtin, a fork, a
# compound command or a failed redirection commits them first. Killed
# while it waits in a builtin `read` on a FIFO, the shell has lost
# nothing: both commands before the read hit.
mkfifo "$root/fifo"
rm -f started
"$SHARK" -c 'cat in.txt >/dev/null; sed s/o/0/g in.txt >sed.out; echo >started; read x <"$1"' sk "$root/fifo" \
	>"$root/killed.out" 2>"$root/killed.err" &
pid=$!
i=0
while [ ! -e started ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
checks=$((checks + 1))
[ -e started ] || fail "the killed shell got to its read"
kill -9 "$pid"
wait "$pid" 2>/dev/null
sk 'cat in.txt >/dev/null'
expect_hit "killed: the command before the last was committed when the last started"
sk 'sed s/o/0/g in.txt >sed.out'
expect_hit "killed in a builtin: the last command was committed before the builtin"
# the same command again in a subshell or a background job (forked)
sk 'paste -s in.txt; (paste -s in.txt)'
checks=$((checks + 1))
[ "$(grep -c 'shark: cached' "$root/err")" = 1 ] ||
	fail "a command, then the same in a subshell: the second should hit (stderr: $err)"
sk 'nl in.txt; nl in.txt & wait'
checks=$((checks + 1))
[ "$(grep -c 'shark: cached' "$root/err")" = 1 ] ||
	fail "a command, then the same in the background: the second should hit (stderr: $err)"
# shark's own program in a command substitution sees the command before it
sk "cut -c1-7 in.txt >/dev/null; x=\$(\"$SHARK\" log -n 1); echo \"subst: \$x\""
checks=$((checks + 1))
case $out in *'cut -c1-7 in.txt'*) ;; *) fail "shark log in \$(...): [$out], expected the command before it" ;; esac
# the last pipeline's redirection fails: nothing of it runs
sk 'tac in.txt; cat </nonexistent | cat'
sk 'tac in.txt'
expect_hit "recorded before a last pipeline whose redirection failed"
# SIGPIPE while the shell runs builtins after a command
"$SHARK" -c 'od -c in.txt; i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done; echo done' 2>/dev/null | head -n 1 >/dev/null
sk 'od -c in.txt'
expect_hit "recorded before a loop of builtins ended by SIGPIPE"
checks=$((checks + 1))
"$SHARK" fsck >/dev/null 2>&1 || fail "fsck after the kill: $("$SHARK" fsck 2>&1 | tail -3)"

finish
