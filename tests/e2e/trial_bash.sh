#!/bin/sh
# trial_bash.sh - everyday scripts from a user trial of shark (round 5):
# each bash script runs under bash and under `shark --bash` in a fresh
# directory of the workspace, and stdout and the exit status must be the same
# bytes; a second shark run of the same script must print the same again.
# POSIX-mode cases compare with dash.
. "$(dirname "$0")/../lib/e2e.sh"
command -v bash >/dev/null || { echo "trial_bash: bash is required" >&2; exit 1; }

n=0
# same_as_bash NAME SCRIPT: SCRIPT (a file's text) gives the same stdout and
# status in bash and, twice, in shark --bash.
same_as_bash() {
	n=$((n + 1))
	printf '%s\n' "$2" >"$root/script$n.sh"
	for who in bash shark1 shark2; do
		rm -rf "$ws/t$n" && mkdir "$ws/t$n" && cd "$ws/t$n" || exit 1
		case $who in
		bash) bash "$root/script$n.sh" >"$root/$who.out" 2>/dev/null ;;
		*) "$SHARK" --bash "$root/script$n.sh" >"$root/$who.out" 2>/dev/null ;;
		esac
		echo "$?" >"$root/$who.st"
		cd "$ws" || exit 1
		chmod -R u+rwx "$ws/t$n"
	done
	for who in shark1 shark2; do
		checks=$((checks + 1))
		cmp -s "$root/bash.out" "$root/$who.out" && cmp -s "$root/bash.st" "$root/$who.st" ||
			fail "$1 ($who): shark gave [$(od -c "$root/$who.out" | head -5)] status $(cat "$root/$who.st"), bash [$(od -c "$root/bash.out" | head -5)] status $(cat "$root/bash.st")"
	done
}

# printf's format escapes of bash: \xHH (a non-UTF-8 file name made with
# printf), \E, \" \' \?; %b's \E.
same_as_bash "printf \\xHH" 'touch "$(printf '"'"'bad\xffname'"'"')"
ls | od -An -c
printf '"'"'a\"b\?c\Ed\x4g\xZh\x414\n'"'"' | od -An -c
printf '"'"'%b\n'"'"' '"'"'a\"b\?c\Ed\x41\xffz'"'"' | od -An -c'

# Expansion errors as bash: an unset variable under set -u and ${x?} end the
# script with status 1 (not 2), a bad arithmetic expression abandons the
# complete command with status 1 and the script goes on (each case is a
# script of its own; the traps show the status the shell exits with).
same_as_bash "set -u exits 1" 'trap "echo exit \$?" EXIT
set -u
f() { echo "$undefined_var"; echo in-f; }
f
echo after $?'
same_as_bash "\${x?} exits 1" 'x=${y?m}
echo after $?'
same_as_bash "set -u in arithmetic exits 1" 'set -u; echo $(( y + 1 ))
echo after'
same_as_bash "division by zero abandons the command" 'trap "echo exit \$?" EXIT
for i in 1 2; do echo $((i / 0)); echo in; done
echo after $?
a=(1 2); echo ${a[$((1/0))]:-x}
echo after $?
x=abc; echo ${x:1/0}
echo after $?
( echo $((1/0)); echo in ); echo sub $?
let 1/0; echo let $?'

# A PATH directory the user may not search (a root's PATH kept by su or
# runuser: /root/.cargo/bin) hides nothing: a missing command is "not
# found", status 127, as in bash and dash (shark said "Permission denied",
# 126). As root the directory is searchable and the case is plain.
mkdir "$root/nosearch" && chmod 700 "$root/nosearch"
[ "$(id -u)" -ne 0 ] && chmod 000 "$root/nosearch"
same_as_bash "PATH with a directory the user cannot search" "PATH=$root/nosearch:\$PATH
nosuchcmd_xyz; echo st=\$?
ls / >/dev/null; echo ls=\$?
f=\$(mktemp); chmod 644 \$f; \$f; echo noexec=\$?; rm -f \$f"
chmod 700 "$root/nosearch"

# A redirection that cannot be opened: status 1 in bash (2 in dash), and the
# script goes on also after a special builtin's (`: > missing/dir/f`, which
# ended a bash-mode script). A pipeline stage whose redirection fails ends
# at once and the other stages still run (`cat <missing | wc -c` printed
# nothing: the whole pipeline was dropped), in both modes.
same_as_bash "failed redirections" ': > /nonexist/x; echo a $?
echo > /nonexist/x; echo b $?
/bin/echo > /nonexist/x; echo c $?
{ echo; } > /nonexist/x; echo d $?
( echo ) > /nonexist/x; echo e $?
f() { echo; }; f > /nonexist/x; echo f $?
exec 3< /nonexist/x; echo g $?
cat < /nonexist/x && echo h || echo noth $?
cat < /nonexist | wc -c; echo i $?
echo a | cat > /nonexist/x | wc -c; echo j $?
seq 3 | cat < /nonexist/z; echo k $?
yes | cat >/nonexist/q | cat </nonexist/r | wc -l; echo l $?
set -o pipefail; seq 3 | cat </nonexist/z | wc -l; echo m $?
set -e; : > /nonexist/x; echo not reached'
for c in 'cat < /nonexist | wc -c; echo i $?' \
	'echo a | cat > /nonexist/x | wc -c; echo j $?' \
	'seq 3 | cat < /nonexist/z; echo k $?' \
	'yes | cat >/nonexist/q | cat </nonexist/r | wc -l; echo l $?'; do
	sk "$c"
	same_as_dash "POSIX mode: $c" "$c"
done

# bash's `ulimit -u` (processes; dash's -p), and its statuses.
same_as_bash "ulimit -u" 'ulimit -u 5000; echo set $?
ulimit -u; ulimit -Su
ulimit -u abc; echo bad $?'

# `kill $!` at once after `cmd &` in a shell that traps the signal: the
# child had the trap's handler until it reset it, took the signal as a trap
# flag and dropped it, and sleep ran on (status 0 after 3 s; bash: 143;
# dash has the same race, so it is no reference here).
c='trap "echo t" TERM; /bin/true; for i in 1 2 3; do sleep 3 & sp=$!; kill $sp; wait $sp; echo killed=$?; done'
same_as_bash "kill \$! at once, TERM trapped" "$c"

# set -e does not reach into a command substitution in bash (POSIX mode and
# dash: it does): `x=$(false; echo inner)` is "inner" and the script goes on.
same_as_bash "set -e and command substitution" 'set -e
x=$(false; echo inner); echo "x=$x"
y=$(set -e; false; echo no); echo "y=$y"
f() { false; echo in-f; }; z=`f`; echo "z=$z"
trap "echo EXIT \$?" EXIT
ls /nonexistent_dir
echo not reached'

# bash's type -t/-p/-P (`[[ $(type -t f) == function ]]`; shark took -t for
# a name: "-t: not found"), its keywords, and status 1 for a missing name.
same_as_bash "type -t -p -P" 'f(){ :; }; alias ll=ls; shopt -s expand_aliases
type -t if f echo ls nosuch; echo st=$?
type -p echo; echo p1=$?; type -p ls; type -P echo; type -p nosuch; echo p3=$?
type -tp ls; type -Pt ls echo; type -x ls; echo x=$?
type -t ll "[[" :; [[ $(type -t f) == function ]] && echo isfn
type "[[" function; command -v "[["; command -v nosuch; echo cv=$?; type nosuch; echo t=$?'

# `jobs` says how a finished job ended, as dash ("Terminated", "Done(3)";
# bash mode "Exit 3"): shark said "Done" for a job killed by a signal.
# (The lines are dash's "[1] + " and bash's "[1]+  ".)
for mode in "" --bash; do
	checks=$((checks + 1))
	out=$("$SHARK" $mode -c 'sleep 5 & kill $!; sleep 0.5; jobs; sh -c "exit 3" & sleep 0.5; jobs; true & sleep 0.5; jobs' 2>&1)
	want3='Done(3)'
	[ "$mode" ] && want3='Exit 3'
	case $out in
	*'+'*' Terminated '*'sleep 5'*"+"*" $want3 "*'+'*' Done '*true*) ;;
	*) fail "jobs $mode: [$out]" ;;
	esac
done

# bash's $(< FILE) is FILE's content (shark gave nothing, as dash does).
same_as_bash "\$(< FILE)" 'x=$(< /etc/hostname); echo ${#x}
y=$(</nonexist); echo "st=$? [$y]"
printf "a\n\n\n" > f; z="$(<f)"; echo "[$z]"; w=`< f`; echo "[$w]"
echo "$(< f) $(<f)"; q=$(< f cat); echo "[$q]"'

# bash's BASE#DIGITS in arithmetic (shark: syntax error, the command
# abandoned).
same_as_bash "arithmetic BASE#DIGITS" 'echo $((16#ff)) $((2#101)) $((010)) $((36#Zz)) $((64#@_)) $((8#17 + 1)) $((16#FF))
x=16#1f; echo $((x)) $(( 10#0010 ))
echo $((2#3)); echo after $?'

# A failed cd is status 1 in bash (2 in dash).
same_as_bash "cd status" 'cd /nonexistent; echo $?; cd /etc/hostname; echo $?
set -e; cd /nonexistent || echo handled; cd /nonexistent; echo not'

# bash's `wait -n`: the status of the next job to end (shark: "not a pid").
same_as_bash "wait -n" 'sleep 0.5 & sh -c "exit 4" & wait -n; echo n=$?; wait -n; echo n2=$?; wait -n; echo n3=$?
(sleep 0.3; exit 6) & wait -n; echo n4=$?'

# bash's `$(jobs -p | wc -l)` counts the shell's jobs (the throttle of a
# loop of background jobs with `wait -n`); `( jobs )` lists none; `jobs -r`
# and `-s` (running, stopped).
same_as_bash "jobs in \$( )" 'sleep 3 & sleep 3 & echo "[$(jobs -p | wc -l)] [$(jobs -r | wc -l)] [$(jobs -s | wc -l)]"
(jobs -p | wc -l); jobs | wc -l; x=$(wait; echo w $?); echo "$x"
kill $(jobs -p); wait; echo "[$(jobs -p | wc -l)]"'

# (review) `wait -n ID...` waits for the first of those jobs to end; `jobs
# -r`, `-s` and `-p` keep a finished job they did not show, for `wait`; a
# `case` whose word fails to expand is status 1, as bash.
same_as_bash "wait -n ids, jobs -r keeps finished jobs, case status" 'sleep 0.3 & p=$!; (exit 4) & q=$!
wait -n $p $q; echo n$?
sleep 0.2 & a=$!; (exit 5) & b=$!; sleep 0.1
wait -n $a; echo a$?; wait -n; echo b$?
(exit 2) & sleep 0.2
jobs -r; wait %1; echo w$?
(exit 3) & sleep 0.2
jobs -p >/dev/null; wait %1; echo p$?
case $((1/0)) in *) :;; esac
echo case $?'

# (review) `jobs --` ends the options, and POSIX mode words a bad option as
# dash does.
checks=$((checks + 1))
t='sleep 0.3 & sleep 0.1; jobs -- >/dev/null; echo c$?; jobs -r; echo r$?'
dash -c "$t" >"$root/want" 2>&1
"$SHARK" -c "$t" 2>&1 | sed 's/^shark:/dash:/' >"$root/got"
cmp -s "$root/want" "$root/got" || fail "jobs -- and jobs -r as dash: $(diff "$root/want" "$root/got")"

# A closed stdin or stdout (`cmd <&-`, `exec 0<&-`): the command reads
# /dev/null (docs/language.md "Differences", 12) and the script goes on; the
# engine's own stdout pipe took fd 0, and cat read its own output for ever.
checks=$((checks + 1))
timeout 20 "$SHARK" -c 'cat <&-; echo st=$?; cat <&- | wc -c; /bin/echo lost >&-; echo st=$?
exec 0<&-; cat; echo st=$?' >"$root/out" 2>"$root/err"
st=$?
[ "$st" = 0 ] && [ "$(cat "$root/out")" = "st=0
0
st=0
st=0" ] || fail "closed stdin or stdout: status $st, stdout [$(cat "$root/out")], stderr [$(cat "$root/err")]"

# A pipeline stage whose sandbox cannot start (here: more arguments than a
# sandbox plan takes, docs/sandbox.md "Limits"; in the trial: `ulimit -u 40`
# with four background pipelines) ends the pipe to the next stage: wc reads
# an end of file and the shell goes on (it waited for ever).
checks=$((checks + 1))
timeout 20 "$SHARK" -c '/bin/echo $(seq 1 70000) | wc -c; echo after $?' >"$root/out" 2>"$root/err"
st=$?
[ "$st" = 0 ] && [ "$(cat "$root/out")" = "0
after 0" ] && grep -q 'size limit' "$root/err" ||
	fail "a stage that cannot start: status $st, stdout [$(cat "$root/out")], stderr [$(cat "$root/err")]"

finish
