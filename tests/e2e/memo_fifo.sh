#!/bin/sh
# memo_fifo.sh - named pipes work as under bash (issue 12): between the
# shell and a command, between two sandboxed commands, in the workspace and
# under /tmp (both overlays in the sandbox), and runs that open a FIFO are
# not recorded. Each script runs three times, with a time limit (the bug was
# a hang), and is compared with bash (output and status).
. "$(dirname "$0")/../lib/e2e.sh"

# fifo_like_bash NAME SCRIPT: three runs, each as bash prints it.
fifo_like_bash() {
	rm -rf "$root/bash" && cp -a "$ws" "$root/bash"
	(cd "$root/bash" && timeout 20 bash -c "$2" >"$root/bout" 2>&1; echo $? >"$root/bst")
	for i in 1 2 3; do
		SHARK_NOTICES=1 timeout 20 "$SHARK" -c "$2" >"$root/out" 2>"$root/err"
		st=$?
		out=$(cat "$root/out")
		checks=$((checks + 1))
		[ "$out" = "$(cat "$root/bout")" ] && [ "$st" = "$(cat "$root/bst")" ] ||
			fail "$1-run$i: shark gave [$out] status $st (stderr: $(cat "$root/err")), bash [$(cat "$root/bout")] status $(cat "$root/bst")"
	done
	return 0
}

printf 'b\na\nc\n' >x
printf 'c\nd\nb\n' >y

fifo_like_bash shell-to-command 'rm -f p; mkfifo p; seq 3 > p & cat p; wait; rm p'
fifo_like_bash command-to-command 'rm -f p; mkfifo p; sh -c "seq 4 > p" & sh -c "cat < p"; wait; rm p'
fifo_like_bash comm-emulation 'rm -f a b; mkfifo a b; sort x > a & sort y > b & comm -3 a b; wait; rm a b'
fifo_like_bash diff-emulation 'rm -f a b; mkfifo a b; sort x > a & sort y > b & diff a b; echo "diff: $?"; wait; rm a b'
fifo_like_bash command-writes 'rm -f p; mkfifo p; tr a-z A-Z < x > p & cat p; wait; rm p'
mkdir -p sub
fifo_like_bash in-subdir 'rm -f sub/p; mkfifo sub/p; (cd sub && seq 2 > p) & cat sub/p; wait; rm sub/p'

# a command that opened a FIFO is never replayed: what came through it
# changes while its key and recorded inputs do not
for i in 1 2 3; do
	echo "gen$i" >gen
	sk 'rm -f p; mkfifo p; cat gen > p & cat p; wait; rm p'
	expect_out fifo-not-replayed-$i "gen$i"
	sk 'rm -f p; mkfifo p; cat gen > p & sh -c "cat p"; wait; rm p'
	expect_out fifo-not-replayed-sh-$i "gen$i"
done

# a FIFO outside the workspace, under /tmp (made here: shark's own mkfifo
# there would be private to its sandbox, as any write to /tmp)
tdir=$(mktemp -d "${TMPDIR:-/tmp}/shark-fifo.XXXXXX")
mkfifo "$tdir/q"
fifo_like_bash under-tmp "seq 5 > $tdir/q & cat $tdir/q; wait"
fifo_like_bash under-tmp-both "sh -c 'seq 6 > $tdir/q' & wc -l < $tdir/q; wait"
rm -rf "$tdir"

finish
