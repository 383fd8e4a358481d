#!/bin/sh
# memo_tty.sh - commands typed at a terminal: they see a terminal on
# stdout (as under dash), their output is still captured and replayed, a
# command that only has the terminal as stdin is memoized, and one that
# reads the terminal is not.
. "$(dirname "$0")/../lib/e2e.sh"

# tty SCRIPT [INPUT]: run shark -c SCRIPT with a pseudo-terminal as stdin,
# stdout and stderr (script(1)); the screen lands in $out.
tty() {
	printf '%s' "${2:-}" | SHARK_NOTICES=1 script -qec "$SHARK -c '$1'" /dev/null \
		>"$root/screen" 2>&1
	st=$?
	out=$(tr -d '\r' <"$root/screen")
}

tty 'test -t 1 && echo stdout-is-a-terminal'
checks=$((checks + 1))
case $out in *stdout-is-a-terminal*) ;; *) fail "stdout-tty: the command did not see a terminal: [$out]" ;; esac

mkdir -p d && touch d/one d/two d/three
tty 'ls -C d'
first=$out
tty 'ls -C d'
checks=$((checks + 1))
case $out in *"shark: cached"*) ;; *) fail "tty-hit: ls with a terminal on stdin was not served from the store: [$out]" ;; esac
checks=$((checks + 1))
[ "$(printf '%s\n' "$out" | grep -v 'shark: cached')" = "$first" ] ||
	fail "tty-replay: replayed screen [$out] differs from the first [$first]"

tty 'head -n 1' 'typed
'
tty 'head -n 1' 'typed
'
checks=$((checks + 1))
case $out in *"shark: cached"*) fail "tty-read: a command that read the terminal was replayed" ;; esac

# A process inside that reads a pipe on its own fd 0 has not read the
# terminal: the command is still recorded.
tty 'sh -c "echo piped | cat"'
tty 'sh -c "echo piped | cat"'
checks=$((checks + 1))
case $out in *"shark: cached"*) ;; *) fail "tty-pipe: a pipe read on fd 0 counted as the terminal: [$out]" ;; esac

finish
