#!/bin/sh
# interactive.sh - drive shark's interactive mode through a real pty.
#
# Runs "$SHARK" (absolute path) inside a tmux pane on a private tmux server
# (its own socket in a temp dir; killed at the end) and checks what a user
# at the prompt sees: commands run and print, PS1 and PS2 are shown, a
# syntax error is reported and the shell carries on with $? = 2, Ctrl-C
# interrupts a foreground `sleep 30` (not the shell; $? = 130) and discards
# a half-typed line, Tab completes command and file names, Ctrl-D exits
# with status 0, and history written to $XDG_STATE_HOME/shark/history is
# there in the next session (Up arrow).
#
# Every wait is a bounded polling loop on the screen contents; a run that
# passes takes a few seconds. Exits 0 if all checks pass, 1 otherwise.
set -u

tty_name=interactive
. "$(dirname "$0")/../lib/tty.sh"

# --- session 1 -----------------------------------------------------------
begin_session "first session"

# The command lines below contain $((...)) so that the expected output line
# never appears on the screen unless the command really ran.
type_line 'echo out-$((6*7))'
check "a command runs and prints" 5 has_line 'out-42'
check "the prompt comes back" 5 last_is 'shark-test$'

type_line "PS1='p1> '"
check "a new PS1 is used for the next prompt" 5 last_is 'p1>'

type_line 'if true'
check "an unfinished if shows PS2" 5 last_is 'more>'
type_line 'then echo in-if-$((2+3))'
check "PS2 again inside the if" 5 last_is 'more>'
type_line 'fi'
check "the multi-line if runs" 5 has_line 'in-if-5'
check "PS1 after the multi-line command" 5 last_is 'p1>'

type_line 'fi'
type_line 'echo st-$?'
check "after a syntax error the shell continues with \$? = 2" 5 has_line 'st-2'
checks=$((checks + 1))
if screen | grep -v -e '^p1> ' -e '^more> ' | grep -q 'fi'; then
	pass "the syntax error message names the unexpected token"
else
	fail "the syntax error message names the unexpected token"
fi

type_line 'sleep 30'
# Wait until sleep runs on the terminal; if that cannot be observed (it may
# run under a helper), go on after a short bounded wait.
poll 5 on_tty sleep || sleep 0.5
T send-keys -t "$PANE" C-c
check "Ctrl-C interrupts sleep 30 and the prompt comes back" 5 ends_with 'p1>'
type_line 'echo rc-$?'
check "the interrupted command's status is 130" 5 has_line 'rc-130'

# a loop of hits: one summary line, not one notice per iteration
type_line 'for i in 1 2 3; do wc -c unique-file-name.txt; echo $i | tr 123 abc; done'
check "a loop's first run prints its output" 10 has_line 'c'
type_line 'for i in 1 2 3; do wc -c unique-file-name.txt; echo $i | tr 123 abc; done'
check "a loop of hits ends with one summary line" 10 screen_has_summary
checks=$((checks + 1))
if screen | grep -q '^shark: cached · saved'; then
	fail "a loop of hits printed a notice per iteration"
else
	pass "a loop of hits prints no notice per iteration"
fi
type_line 'wc -c unique-file-name.txt'
check "a single hit still has its own notice" 10 has_line_prefix 'shark: cached · saved'

T send-keys -t "$PANE" -l -- 'echo never-$((1+1))'
poll 5 ends_with 'echo never-$((1+1))'
T send-keys -t "$PANE" C-c
check "Ctrl-C at the prompt gives a fresh PS1 prompt" 5 last_is 'p1>'
type_line 'echo alive-$((2+2))'
check "Ctrl-C at the prompt discards the line, the shell survives" 5 has_line 'alive-4'
checks=$((checks + 1))
if has_line 'never-2'; then
	fail "a line discarded with Ctrl-C must not run"
else
	pass "a line discarded with Ctrl-C does not run"
fi

T send-keys -t "$PANE" -l -- 'ech'
T send-keys -t "$PANE" Tab
check "Tab completes a command name" 5 last_is 'p1> echo'
type_line ' comp-$((5*5))'
check "the completed command runs" 5 has_line 'comp-25'
T send-keys -t "$PANE" -l -- 'cat uniq'
T send-keys -t "$PANE" Tab
check "Tab completes a file name" 5 last_is 'p1> cat unique-file-name.txt'
T send-keys -t "$PANE" Enter
check "the command with the completed file name runs" 5 has_line 'file-content-ok'

type_line 'echo hist-$((3*3))'
check "a command for the history runs" 5 has_line 'hist-9'
check "prompt before Ctrl-D" 5 last_is 'p1>'
T send-keys -t "$PANE" C-d
check "Ctrl-D at an empty prompt exits the shell" 5 shell_exited
checks=$((checks + 1))
st=$(cat "$tmp/status" 2>/dev/null)
if [ "$st" = 0 ]; then
	pass "the shell exits with status 0 after Ctrl-D"
else
	fail "the shell exits with status 0 after Ctrl-D (got '$st')"
fi
checks=$((checks + 1))
if [ -f "$hist" ] && grep -qF 'echo hist-$((3*3))' "$hist"; then
	pass "history is saved in \$XDG_STATE_HOME/shark/history"
else
	fail "history is saved in \$XDG_STATE_HOME/shark/history"
fi

# --- session 2: the history is back --------------------------------------
begin_session "second session"
T send-keys -t "$PANE" Up
check "Up recalls the last command of the previous session" 5 \
	last_is 'shark-test$ echo hist-$((3*3))'
T send-keys -t "$PANE" Enter
check "the recalled command runs" 5 has_line 'hist-9'
T send-keys -t "$PANE" C-d
check "Ctrl-D exits the second session" 5 shell_exited
checks=$((checks + 1))
st=$(cat "$tmp/status" 2>/dev/null)
if [ "$st" = 0 ]; then
	pass "the second session exits with status 0"
else
	fail "the second session exits with status 0 (got '$st')"
fi

echo "interactive: $((checks - failures))/$checks checks passed"
[ "$failures" -eq 0 ]
