#!/bin/sh
# jobctl.sh - job control at an interactive prompt, through a real pty (tmux,
# as interactive.sh): Ctrl-Z stops a sandboxed command, a pipeline and a
# pipeline with a shell loop; jobs lists them as Stopped and Running; bg
# resumes, fg brings back with the terminal, Ctrl-C after fg gives 130;
# %N, %%, %- name jobs; a finished background job is reported at the next
# prompt; a command stopped while being recorded is recorded when it ends.
# And a hit's notice starts on a new line when the output did not end one.
# The job lines are dash's, recorded from dash 0.5.12 at a pty: the state
# after 6 columns, the command after 33, "+" the current job (the
# last stopped one while there is one), the notice of a stop right after
# the terminal's ^Z; jobs -l adds the pid; %TEXT, %?TEXT and the errors.
# exit with a stopped job warns first, as in dash. A script without #!
# is a job like any command.
set -u

tty_name=jobctl
tty_store=store
. "$(dirname "$0")/../lib/tty.sh"

# jobs_l_column: the command of the line `jobs -l` printed comes after 33 columns
jobs_l_column() {
	screen | grep '^\[1\] + [0-9][0-9]* *Stopped  *sleep 30$' | tail -n 1 |
		awk '{ exit !(index($0, "sleep 30") == 34) }'
}
# notice_after TEXT: a line that is exactly TEXT is followed by the hit notice
notice_after() { screen | grep -A1 -xF -- "$1" | grep -q '^shark: cached'; }
# notice_before TEXT: the hit notice is the line before a line that is exactly TEXT
notice_before() { screen | grep -B1 -xF -- "$1" | grep -q '^shark: cached'; }
screen_grep() { screen | grep -q -- "$1"; }
# no_jobs_after MARK: MARK is on the screen and no job still stopped or running
# follows the last `jobs` (a killed one may be listed once as Done)
no_jobs_after() {
	has_line "$1" && ! screen | sed -n '/^shark-test\$ jobs; echo listed/,$p' | grep -q -e Stopped -e Running
}

# --- job control -------------------------------------------------------------
begin_session "job control"

# Ctrl-Z stops a sandboxed command; jobs lists it as Stopped; $? is 148.
type_line 'sleep 30'
poll 5 on_tty sleep
T send-keys -t "$PANE" C-z
check "Ctrl-Z stops the foreground command" 5 screen_grep '^^Z\[1\] + Stopped                    sleep 30$'
check "the prompt comes back after Ctrl-Z" 5 last_is 'shark-test$'
type_line 'echo st-$?'
check "a stopped job's status is 148" 5 has_line 'st-148'
type_line 'jobs'
check "jobs lists it as Stopped" 5 has_line '[1] + Stopped                    sleep 30'
type_line 'jobs -l'
check "jobs -l adds its pid" 5 screen_grep '^\[1\] + [0-9][0-9]* *Stopped  *sleep 30$'
check "jobs -l puts the command after 33 columns" 5 jobs_l_column
type_line 'bg'
check "bg resumes it in the background" 5 has_line '[1] sleep 30'
type_line 'jobs %%'
check "jobs lists it as Running" 5 has_line '[1] + Running                    sleep 30'
type_line 'fg %1'
check "fg brings it back" 5 has_line 'sleep 30'
sleep 0.5
T send-keys -t "$PANE" C-c
check "Ctrl-C ends the job brought back with fg" 5 last_is 'shark-test$'
type_line 'echo fgint-$?'
check "Ctrl-C after fg gives 130" 5 has_line 'fgint-130'

# A pipeline of sandboxed commands, and one with a shell loop in it.
type_line 'sleep 30 | cat'
poll 5 on_tty sleep
sleep 0.3
T send-keys -t "$PANE" C-z
check "Ctrl-Z stops a pipeline" 5 screen_grep '^^Z\[1\] + Stopped                    sleep 30 | cat$'
type_line 'while :; do sleep 0.2; done | cat'
sleep 1
T send-keys -t "$PANE" C-z
check "Ctrl-Z stops a pipeline with a shell loop" 5 screen_grep '\[2\] + Stopped .*done | cat$'
type_line 'wait; echo waited-$((2+2))'
check "wait does not hang on stopped jobs" 5 has_line 'waited-4'
type_line 'jobs'
check "%- is the job before the last" 5 has_line '[1] - Stopped                    sleep 30 | cat'
type_line 'kill %- %+; echo killed-$?'
check "kill of stopped jobs" 5 has_line 'killed-0'
type_line 'jobs; echo listed-$((1+1))'
check "killed jobs are gone" 5 no_jobs_after listed-2

# The current job is the last one stopped while one is: a job started in
# the background after it does not take its place, so a bare bg means the
# stopped one (dash, bash, POSIX). %TEXT, %?TEXT name jobs; dash's errors.
type_line 'sleep 31'
poll 5 on_tty sleep
sleep 0.3
T send-keys -t "$PANE" C-z
check "Ctrl-Z stops another command" 5 screen_grep 'Stopped  *sleep 31$'
type_line 'sleep 32 &'
type_line 'jobs; echo order-$((2*4))'
check "the stopped job stays current" 5 has_line '[1] + Stopped                    sleep 31'
check "the background job started after it is the previous one" 5 has_line '[2] - Running                    sleep 32'
check "the current job is listed first" 5 eval 'screen | grep -A1 -F "jobs; echo order-\$((2*4))" | tail -n 1 | grep -q "sleep 31"'
type_line 'bg'
check "a bare bg continues the stopped job" 5 has_line '[1] sleep 31'
type_line 'jobs %?32; jobs %sl; jobs %7; echo specs-$((3*5))'
check "%?TEXT names the job whose command has it" 5 has_line '[2] - Running                    sleep 32'
check "%TEXT matching two jobs is ambiguous" 5 has_line 'shark: jobs: %sl: ambiguous'
check "a job that is not there" 5 has_line 'shark: jobs: No such job: %7'
type_line 'kill %1 %2; wait; echo gone-$((4*4))'
check "both are killed" 5 has_line 'gone-16'

# A background job that ends is reported at the next prompt.
type_line 'sleep 0.3 &'
sleep 1
type_line 'echo next-$((3+4))'
check "a finished background job is reported" 5 has_line '[1] + Done                       sleep 0.3'

# A command stopped while being recorded is recorded when it finishes.
type_line 'sh -c "sleep 1.5; echo rec-\$((40+2))" > out.txt'
sleep 0.5
T send-keys -t "$PANE" C-z
check "Ctrl-Z stops a command being recorded" 5 screen_grep 'Stopped .*sh -c'
type_line 'fg'
check "it finishes after fg" 8 last_is 'shark-test$'
type_line 'cat out.txt'
check "its output is complete" 5 has_line 'rec-42'
type_line 'rm out.txt; sh -c "sleep 1.5; echo rec-\$((40+2))" > out.txt; echo rerun-$((1+1))'
check "it was recorded: the rerun is a hit" 5 notice_before rerun-2

# The hit notice starts on a line of its own when the output did not end one.
type_line 'sh -c "printf no-newline-\$((1+1))"'
check "a command without a final newline runs" 5 screen_grep 'no-newline-2shark-test\$'
type_line 'sh -c "printf no-newline-\$((1+1))"'
check "the hit notice starts on a new line" 5 notice_after no-newline-2

# A script without #! is run by a new shark, as a job of its own: ^Z stops
# it, fg resumes it to its end.
type_line "printf 'sleep 2\\necho script-done-\$((6*7))\\n' > ns.sh; chmod +x ns.sh; echo made-\$((3*3))"
check "a script without #! is written" 5 has_line 'made-9'
type_line './ns.sh'
poll 5 on_tty sleep
sleep 0.3
T send-keys -t "$PANE" C-z
check "Ctrl-Z stops a script without #!" 5 screen_grep 'Stopped .*ns.sh'
type_line 'fg'
check "fg runs it to its end" 8 has_line 'script-done-42'

# Terminal modes a command sets stay after it exited (dash, bash): the
# shell used to set its own start-up modes again after every job.
type_line 'stty intr ^X; echo set-$((2+3))'
check "stty runs" 5 has_line 'set-5'
type_line 'stty -a | grep -o "intr = [^;]*"'
check "the terminal's interrupt key stays ^X" 5 has_line 'intr = ^X'
type_line 'stty intr ^C; stty -a | grep -o "intr = [^;]*"'
check "and comes back to ^C" 5 has_line 'intr = ^C'

# exit or Ctrl-D with a stopped job warns and stays (dash's words); one
# right after the warning, or one command line later, leaves; two lines
# later it warns again (dash's job_warning).
type_line 'sleep 40'
poll 5 on_tty sleep
sleep 0.3
T send-keys -t "$PANE" C-z
check "Ctrl-Z stops the job exit will warn about" 5 screen_grep 'Stopped .*sleep 40'
type_line 'exit'
check "exit with a stopped job warns" 5 has_line 'You have stopped jobs.'
type_line 'echo stayed-$((5+5))'
check "the shell stays after the warning" 5 has_line 'stayed-10'
type_line 'exit'
check "exit after another command warns again" 5 eval '[ "$(screen | grep -cxF "You have stopped jobs.")" -eq 2 ]'
type_line 'echo one-$((0+1))'
type_line 'echo two-$((1+1))'
check "the shell stays after the second warning" 5 has_line 'two-2'
T send-keys -t "$PANE" C-d
check "Ctrl-D two commands later warns too" 5 eval '[ "$(screen | grep -cxF "You have stopped jobs.")" -eq 3 ]'
T send-keys -t "$PANE" C-d
check "Ctrl-D right after the warning ends the shell" 5 shell_exited

echo "jobctl: $((checks - failures))/$checks checks passed"
[ "$failures" -eq 0 ]
