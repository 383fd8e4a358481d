#!/bin/sh
# memo_pipe_tail.sh - a pipeline whose last stage only is an external
# command, the stages before it builtins, functions or compound commands
# (`printf ... | wc -c`): the shell forks those stages and runs the last one
# in its own engine, reading their pipe (external_pipeline_tail). Its stdin
# is keyed by what the pipe carried (a different text misses, the same one
# hits), nothing of the stage leaks into the shell (an impure stage is run
# in a child as before), and the statuses, pipefail, a redirected or
# unopenable stdin and a prefix that never ends give what dash (bash for
# pipefail) gives.
. "$(dirname "$0")/../lib/e2e.sh"

printf 'one\ntwo\n' >"$ws/small"

# the stdin of the tail is the pipe's content: keyed by it (`; :` after
# a pipeline: the last command of `shark -c` takes the path of a process
# that ends, a child per stage)
sk "printf 'a\n' | wc -c; :"
expect_out "first text" "2"
expect_miss "first text"
sk "printf 'ab\n' | wc -c; :"
expect_out "another text" "3"
expect_miss "another text"
sk "printf 'a\n' | wc -c; :"
expect_out "first text again" "2"
expect_hit "first text again"
sk "f() { printf 'ab\n'; }; f | wc -c; :"
expect_out "the same text from a function" "3"
expect_hit "the same text from a function"
sk "{ echo b; echo a; } | sort; :"
same_as_dash "a compound command's output" "{ echo b; echo a; } | sort; :"

# a script of them in one shell: the records of each, the next one's
# prepared sandbox, the status of each
sk "for i in 1 2 3; do printf '%s\n' \$i x\$i | wc -l; printf '%s' \$i | wc -c; done; printf x | grep -q y; echo st=\$?"
same_as_dash "a loop of them" "for i in 1 2 3; do printf '%s\n' \$i x\$i | wc -l; printf '%s' \$i | wc -c; done; printf x | grep -q y; echo st=\$?"

# nothing leaks: the shell's variables stay, an impure stage (an
# assignment in its expansion) runs in a child of its own as in sh
sk "x=1; printf 'hi\n' | wc -c; echo x=\$x"
same_as_dash "a variable beside it" "x=1; printf 'hi\n' | wc -c; echo x=\$x"
sk "printf abc | head -c \${n:=2}; echo; echo n=[\$n]"
same_as_dash "an assignment in the stage's words" "printf abc | head -c \${n:=2}; echo; echo n=[\$n]"
sk "printf abc | n=1 head -c 2; echo; echo n=[\$n]"
same_as_dash "an assignment before the stage" "printf abc | n=1 head -c 2; echo; echo n=[\$n]"

# its own stdin redirection wins over the pipe; one that cannot be opened
sk "printf 'hi\n' | wc -l <small"
same_as_dash "a redirected stdin" "printf 'hi\n' | wc -l <small"
sk "printf q | wc -c </nonexistent; echo st=\$?"
same_as_dash "an unopenable stdin" "printf q | wc -c </nonexistent; echo st=\$?"
sk "printf 'z\n' | cat >made; cat made"
same_as_dash "its stdout to a file" "printf 'z\n' | cat >made; cat made"

# a prefix that never ends: the tail ends, the prefix gets its broken pipe
sk "i=0; while :; do echo y\$i; i=\$((i+1)); done | head -n 2; echo done"
same_as_dash "an endless prefix" "i=0; while :; do echo y\$i; i=\$((i+1)); done | head -n 2; echo done"

# pipefail: the forked stages' statuses count (bash, which has it)
checks=$((checks + 1))
s="set -o pipefail; false | wc -c; echo st=\$?; true | wc -c; echo st=\$?"
sk "$s"
b=$(bash -c "$s" 2>/dev/null)
[ "$out" = "$b" ] || fail "pipefail: shark [$out], bash [$b]"
# errexit on the tail's status
sk "set -e; printf x | grep -q y; echo not reached"
same_as_dash "errexit" "set -e; printf x | grep -q y; echo not reached"

# an input the stage cannot wait for to its end (over 8 MiB, or a prefix
# still writing after 3 s) is relayed by a process of the engine's: the
# shell, which goes on, is left no unreaped child of that name (a zombie
# per pipeline in a loop would use up the process limit; a pid 1 still
# exiting, shark-init, is reaped later by design)
head -c 9000000 /dev/urandom >"$ws/big9"
sk "for i in 1 2 3; do { cat big9; } | wc -c; done; host ps -o stat=,comm= --ppid \$\$ | grep -c '^Z *shark\$'"
expect_out "no unreaped relay" "9000000
9000000
9000000
0"

finish
