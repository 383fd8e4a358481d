#!/bin/sh
# sandbox_tracer_dirs.sh - the tracer's kept parent directories
# (sandbox/trace.c, lookup): a path is looked up as its kept parent
# directory plus an fstatat of its last component, and an absent parent
# answers for its children without a system call. The record must be what
# a lookup of the whole path gives (docs/sandbox.md, "Tracing"): a symlink
# followed, a magic link refused, a directory renamed and made again, and a
# file made where its parent was absent.
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"
: "${BUILD:?BUILD must point at the build directory}"
RUN=$BUILD/tests/helpers/sandbox_run

. "$lib/access.sh"

mkdir -p d/e
echo one >d/a
echo two >d/b
echo three >d/e/f
ln -s d dl
ln -s /dev/stdin stdinlink

# A symlink to a directory, followed: listed (l), not read as a file.
# (A directory is kept once met again: the `test`s make the workspace one.)
"$RUN" -a "$root/acc" -- sh -c 'test -e x1; test -e x2; cat d/a d/b >/dev/null; ls dl >/dev/null' ||
	fail "symlink run"
has "followed symlink" dl l
has "file in a kept dir" d/a r
has "second file in a kept dir" d/b r
# A symlink to a magic link (/dev/stdin -> /proc/self/fd/0): refused as in a
# whole lookup (looked at: s), never followed into the tracer's own fd 0.
"$RUN" -a "$root/acc" -- sh -c 'test -e x1; test -e x2; cat stdinlink </dev/null' ||
	fail "magic link run"
has "magic link" stdinlink s
hasnt "magic link" stdinlink r

# One thread reads sl/a through the symlink sl -> d, points sl at d/e
# instead and looks for sl/a again: the directory kept for the first open
# is not where sl leads now, and the second finds nothing (a). Python, so
# that the same thread's next call says its unlink and symlink are over.
if command -v python3 >/dev/null 2>&1; then
	ln -s d sl
	"$RUN" -a "$root/acc" -- python3 -c '
import os
open("sl/a").read()
open("sl/b").read()
os.unlink("sl")
os.symlink("d/e", "sl")
try:
    os.stat("sl/a")
except FileNotFoundError:
    pass
os.stat("sl/f")
' || fail "symlink swap run"
	has "symlink swapped" sl/a r
	has "symlink swapped" sl/a a
	has "symlink swapped, new target" sl/f s
	hasnt "symlink swapped, new target" sl/f a
	rm sl
fi

# Through shark: a file in a directory whose siblings were looked up
# before, changed, is a miss; a file made where its parent was absent (the
# parent's absence answered for both names) is a miss too.
s='sh -c "cat d/a; cat d/b; cat nod/x 2>/dev/null; cat nod/y 2>/dev/null; true"'
sk "$s"; expect_out cold "one
two"
sk "$s"; expect_hit warm
echo TWO >d/b
sk "$s"; expect_miss sibling-changed; expect_out sibling-changed "one
TWO"
same_as_dash sibling-changed "$s"
mkdir nod && echo why >nod/y
sk "$s"; expect_miss absent-parent-made; expect_out absent-parent-made "one
TWO
why"
same_as_dash absent-parent-made "$s"
sk "$s"; expect_hit absent-parent-warm

finish
