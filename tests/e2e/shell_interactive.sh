#!/bin/sh
# shell_interactive.sh - the interactive front end through a real terminal
# (tmux): prompts PS1/PS2, Ctrl-C interrupting a command and an unfinished
# line without killing the shell, command completion, persistent history,
# Ctrl-D exiting with the last status.
set -u
: "${SHARK:?SHARK must point at the shark binary}"
command -v tmux >/dev/null || { echo "shell_interactive: tmux is required" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shark-tty.XXXXXX") || exit 1
sock="shark-e2e-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
n=0

screen() { tm capture-pane -t t -p; }

# wait_for TEXT [-x]: poll the screen until a line contains (with -x: is) TEXT (5 s)
wait_for() {
	k=0
	while [ $k -lt 50 ]; do
		if screen | grep -qF ${2:-} -- "$1"; then
			return 0
		fi
		sleep 0.1
		k=$((k + 1))
	done
	return 1
}

expect() {
	n=$((n + 1))
	if ! wait_for "$2" ${3:-}; then
		echo "FAIL $1: screen never showed [$2]; screen was:"
		screen | sed 's/^/    | /'
		fail=$((fail + 1))
	fi
}

# The pane's own shell (the user's login shell) also receives the terminal's
# SIGINT; a trap keeps dash from exiting after shark returns.
tm new-session -d -s t -x 120 -y 40 \
	"trap : INT; env -i PATH=/usr/bin:/bin HOME=$tmp XDG_STATE_HOME=$tmp/state TERM=xterm PS1='sk\$ ' $SHARK; echo SHELL-EXITED=\$?; sleep 30"
expect "first prompt" 'sk$'
tm send-keys -t t 'echo hello $((6 * 7))' Enter
expect "command runs" 'hello 42'

tm send-keys -t t 'sleep 30; echo not-interrupted' Enter
sleep 0.5
tm send-keys -t t C-c
tm send-keys -t t 'echo status=$?' Enter
expect "Ctrl-C interrupts the command, not the shell" 'status=130'
n=$((n + 1))
if screen | grep -qx 'not-interrupted'; then
	echo "FAIL Ctrl-C must abandon the rest of the command line"
	fail=$((fail + 1))
fi

tm send-keys -t t 'while :; do :; done' Enter
sleep 0.5
tm send-keys -t t C-c
tm send-keys -t t 'echo loop-broken' Enter
expect "Ctrl-C stops a builtin loop" 'loop-broken'

tm send-keys -t t 'for i in 1 2; do' Enter
expect "PS2 continuation prompt" '>' -x
tm send-keys -t t 'echo item$i; done' Enter
expect "multi-line command" 'item2'

tm send-keys -t t 'half typed line'
sleep 0.3
tm send-keys -t t C-c
tm send-keys -t t 'echo after-cancel' Enter
expect "Ctrl-C discards the line being typed" 'after-cancel'

tm send-keys -t t 'pri' Tab
sleep 0.3
tm send-keys -t t "'%s\\n' completed" Enter
expect "command completion" 'completed'

: >"$tmp/completion-target-file"
tm send-keys -t t "echo $tmp/completion-tar" Tab
sleep 0.3
tm send-keys -t t Enter
expect "file name completion" "$tmp/completion-target-file"

tm send-keys -t t 'fi' Enter
expect "syntax error is reported" 'syntax error: unexpected "fi"'
tm send-keys -t t 'echo still-here $?' Enter
expect "the shell continues after a syntax error, status 2" 'still-here 2'

tm send-keys -t t 'false' Enter
sleep 0.3
tm send-keys -t t C-d
expect "Ctrl-D exits with the last status" 'SHELL-EXITED=1'

n=$((n + 1))
if ! grep -q 'echo hello \$((6 \* 7))' "$tmp/state/shark/history" 2>/dev/null; then
	echo "FAIL history is kept in \$XDG_STATE_HOME/shark/history"
	fail=$((fail + 1))
fi

echo "shell_interactive: $((n - fail))/$n passed"
[ "$fail" -eq 0 ]
