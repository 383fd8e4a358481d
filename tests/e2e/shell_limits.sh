#!/bin/sh
# shell_limits.sh - the shell's own resource limits and descriptors as a
# script meets them: `ulimit N` sets the soft and the hard limit (dash's
# output); `ulimit -n` limits the commands, not the shell's own fds; a
# redirection whose fd cannot be saved (the shell started under a
# descriptor limit at or below 10) fails loudly and leaves the shell's
# stdout working, where the restore used to close it for good
# (docs/language.md, difference 14).
. "$(dirname "$0")/../lib/e2e.sh"

sk 'ulimit -n 64; ulimit -Hn; ulimit -Sn; ulimit -S -n 32; ulimit -Hn; ulimit -n'
same_as_dash "ulimit N sets both limits, -S the soft one" \
	'ulimit -n 64; ulimit -Hn; ulimit -Sn; ulimit -S -n 32; ulimit -Hn; ulimit -n'

# A `ulimit -n` set in the script limits its commands, not the shell's
# own descriptors: at 12, the lowest dash runs this with (bash: 11), the
# redirection, the pipeline and the commands work as in dash (the shell's
# 20-odd fds of its own made them fail).
lim='ulimit -n 12
echo x >f
echo "st=$?"
cat f
echo y | cat
echo end'
sk "for i in 1 2 3; do nocache true; done
$lim"
same_as_dash "ulimit -n 12 leaves the shell's own fds alone" "$lim"

# Started under a hard limit of 10 (the shell's own too): a redirection
# whose fd cannot be saved fails loudly and leaves stdout working.
SHARK_NOTICES=1 sh -c 'ulimit -n 10; exec "$0" -c "$1"' "$SHARK" 'for i in 1 2 3; do nocache true; done
echo x >f
echo "st=$?"
echo end' >"$root/out" 2>"$root/err"
out=$(cat "$root/out")
err=$(cat "$root/err")
checks=$((checks + 1))
case $out in
*end) ;;
*) fail "stdout lost after a redirection under ulimit -n 10: [$out] [$err]" ;;
esac
checks=$((checks + 1))
case $err in
*"cannot save the descriptor"*) ;;
*) fail "the failed save is said: [$err]" ;;
esac

# Started with stdin and stdout closed: a pipe made in the shell may then
# take fd 0 or 1, and must still be the script's (inheritable) stdin or
# stdout in the child: `$(... 2>&1)` and a pipeline's stages, against
# bash's stderr.
printf '%s\n' 'x=$(echo out; echo err >&2 2>&1); echo "[$x]" >&2' \
	'y=$(ls /nonexistent-zz 2>&1); echo "[$y] st=$?" >&2' \
	'echo a | tr a b >&2' >closed.sh
"$SHARK" closed.sh <&- >&- 2>"$root/err1"
bash closed.sh <&- >&- 2>"$root/err2"
checks=$((checks + 1))
cmp -s "$root/err1" "$root/err2" ||
	fail "fds 0 and 1 closed at the start: [$(cat "$root/err1")], bash [$(cat "$root/err2")]"

# A command killed by a signal is said on stderr as dash says it, but for
# ^C's and a closed pipe's: shark printed nothing for a sandboxed one.
for c in "sh -c 'kill -SEGV \$\$'" "sh -c 'kill -TERM \$\$' | cat" \
	"sh -c 'kill -PIPE \$\$'" "sh -c 'kill -KILL \$\$'"; do
	"$SHARK" -c "$c; echo st=\$?" >"$root/o1" 2>"$root/e1"
	dash -c "$c; echo st=\$?" >"$root/o2" 2>"$root/e2"
	checks=$((checks + 1))
	cmp -s "$root/o1" "$root/o2" && cmp -s "$root/e1" "$root/e2" ||
		fail "$c: [$(cat "$root/o1" "$root/e1")], dash [$(cat "$root/o2" "$root/e2")]"
done

finish
