#!/bin/sh
# memo_stty.sh - commands that set the terminal's modes, and `tty`, are
# live: never replayed. `stty -echo` served from the store did nothing, and the
# terminal kept echoing (its change is an ioctl, no output to replay).
. "$(dirname "$0")/../lib/e2e.sh"

# tty SCRIPT: shark -c SCRIPT with a pseudo-terminal as stdin, stdout and
# stderr (script(1)); the screen in $out
tty() {
	SHARK_NOTICES=1 script -qec "$SHARK -c '$1'" /dev/null </dev/null >"$root/screen" 2>&1
	out=$(tr -d '\r' <"$root/screen")
}

tty 'stty -echo; stty echo; stty -echo; stty -a | grep -o -e " -echo " -e " echo " | head -n 1'
checks=$((checks + 1))
case $out in *" -echo "*) ;; *) fail "the second stty -echo did not take: [$out]" ;; esac
checks=$((checks + 1))
case $out in *"shark: cached"*) fail "stty was served from the store: [$out]" ;; esac
tty 'stty -echo; stty -a | grep -o -e " -echo " -e " echo " | head -n 1; stty echo; stty -a | grep -o -e " -echo " -e " echo " | head -n 1'
checks=$((checks + 1))
case $out in *" -echo "*" echo "*) ;; *) fail "stty -a does not follow the modes: [$out]" ;; esac

# tty names this session's terminal: never replayed from another's
tty 'tty'
tty 'tty'
checks=$((checks + 1))
case $out in *"shark: cached"*) fail "tty was served from the store: [$out]" ;; */dev/pts/*) ;; *) fail "tty: [$out]" ;; esac

echo "memo_stty: $((checks - failures))/$checks checks passed"
[ "$failures" -eq 0 ]
