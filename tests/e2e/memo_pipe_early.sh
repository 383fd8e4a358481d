#!/bin/sh
# memo_pipe_early.sh - a pipeline's stage is recorded as it ends, while the
# stages after it still run (run.c, relay_loop): its inputs are hashed
# then, so a file that changes afterwards, while a later stage still runs,
# is not taken for what the stage read. Before, every stage was recorded
# after the last one ended, and `cat F` was recorded with F's new content
# as its input and F's old content as its output: the next `cat F` hit and
# printed the old text.
. "$(dirname "$0")/../lib/e2e.sh"

printf 'old\n' >"$ws/F"

# the first stage ends at once; the second sleeps 2 s, and F changes at
# about 1 s (a size of its own: no stat cache can take it for the old one)
SHARK_NOTICES=1 "$SHARK" -c "cat F | sh -c 'sleep 2; cat'; :" >"$root/out1" 2>"$root/err1" &
bg=$!
sleep 1
printf 'new text\n' >"$ws/F"
wait "$bg"
checks=$((checks + 1))
[ "$(cat "$root/out1")" = "old" ] ||
	fail "the pipeline printed [$(cat "$root/out1")], expected [old]"

# F now holds the new text: a run keyed by the old one must not serve it
sk "cat F | cat; :"
expect_out "cat F after F changed during the pipeline's last stage" "new text"
expect_miss "cat F after F changed during the pipeline's last stage"

sk "cat F | cat; :"
expect_out "cat F again" "new text"
expect_hit "cat F again"

# the statuses and outputs of a pipeline whose stages end one by one are
# dash's (the early records change nothing a script sees)
printf 'b\na\nb\n' >"$ws/G"
sk "cat G | sort | uniq -c | sort -rn; echo st=\$?"
same_as_dash "a four-stage pipeline" "cat G | sort | uniq -c | sort -rn; echo st=\$?"
sk "cat G | sort | uniq -c | sort -rn; echo st=\$?"
expect_hit "a four-stage pipeline again"
same_as_dash "a four-stage pipeline again" "cat G | sort | uniq -c | sort -rn; echo st=\$?"
sk "cat G | false | sort; echo st=\$?"
same_as_dash "a failing middle stage" "cat G | false | sort; echo st=\$?"
sk "nosuchcmd-x | cat G | wc -l; echo st=\$?"
same_as_dash "a first stage not found" "nosuchcmd-x | cat G | wc -l; echo st=\$?"
sk "yes | head -3 | cat; echo st=\$?"
same_as_dash "a producer its consumer left" "yes | head -3 | cat; echo st=\$?"

finish
