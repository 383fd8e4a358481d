#!/bin/sh
# memo_outputs.sh - a command's own outputs are not its inputs (issue 12):
# a file it creates or truncates without looking first, or renames over,
# must not make its 2nd run miss; and whatever depends on what was there
# before (O_EXCL, a plain mkdir used as a lock, a test before writing,
# a read-only or replaced output) must still re-run when a real run would
# behave differently. Every script runs three times and is compared with
# bash (output, status, files).
. "$(dirname "$0")/../lib/e2e.sh"
PY=/usr/bin/python3
export SHARK_RECORD_FAILURES=1 # failed runs are recorded too: soundness of both

# three NAME SCRIPT: run SCRIPT three times under shark; the 2nd and 3rd
# runs must be hits; output, status and the files it leaves equal bash's
# (run in a copy of the workspace as it was before).
three() {
	rm -rf "$root/bash" && cp -a "$ws" "$root/bash"
	(cd "$root/bash" && bash -c "$2" >"$root/bout" 2>/dev/null; echo $? >"$root/bst")
	for i in 1 2 3; do
		sk "$2"
		if [ "$i" -gt 1 ]; then
			expect_hit "$1-run$i"
		fi
		checks=$((checks + 1))
		[ "$out" = "$(cat "$root/bout")" ] && [ "$st" = "$(cat "$root/bst")" ] ||
			fail "$1-run$i: shark gave [$out] status $st, bash [$(cat "$root/bout")] status $(cat "$root/bst")"
	done
	checks=$((checks + 1))
	(cd "$ws" && find . -path ./bash -prune -o -print | sort | while read -r f; do
		[ -f "$f" ] && printf '%s %s\n' "$f" "$(cat "$f")" || printf '%s\n' "$f"
	done) >"$root/wfiles"
	(cd "$root/bash" && find . | sort | while read -r f; do
		[ -f "$f" ] && printf '%s %s\n' "$f" "$(cat "$f")" || printf '%s\n' "$f"
	done) >"$root/bfiles"
	cmp -s "$root/wfiles" "$root/bfiles" || fail "$1: files differ from bash's: $(diff "$root/wfiles" "$root/bfiles" | head -5)"
}

printf '3\n1\n2\n' >n

# -- outputs written without looking: the 2nd run hits ------------------------
three redirect-in-sh "sh -c 'sort -r n > out'; cat out"
three py-open-w "$PY -c 'open(\"pw.txt\", \"w\").write(\"x\\n\")'; cat pw.txt"
three creat "$PY -c 'import os; os.close(os.creat(\"cr.txt\", 0o644))'; ls cr.txt"
three tmp-rename "$PY -c '
import os
with open(\"r.tmp\", \"w\") as f: f.write(\"renamed\\n\")
os.replace(\"r.tmp\", \"r.txt\")'; cat r.txt; test -e r.tmp; echo \$?"
mkdir -p outdir
three expensive-into-dir "$PY -c '
import os, time
os.makedirs(\"outdir\", exist_ok=True)
for i in range(3):
    with open(\"outdir/part%d.csv\" % i, \"w\") as f: f.write(\"%d\\n\" % i)
'; cat outdir/part2.csv"

# -- depends on what was there: must not hit when that changed ------------------
# a directory as a lock: taken by one command, released by another
sk "sh -c 'mkdir lock || exit 1; echo got'"; expect_out lock-take got
sk "sh -c 'mkdir lock || exit 1; echo got'"; expect_miss lock-held
checks=$((checks + 1))
[ "$st" = 1 ] || fail "lock-held: status $st, expected 1 (bash: mkdir fails)"
sk "rmdir lock"
sk "sh -c 'mkdir lock || exit 1; echo got'"; expect_out lock-released got
checks=$((checks + 1))
[ "$st" = 0 ] || fail "lock-released: status $st, expected 0"
# (a hit of the run that found the lock held is right: same state, same result)
sk "sh -c 'mkdir lock || exit 1; echo got'"; expect_out lock-held-again ""
checks=$((checks + 1))
[ "$st" = 1 ] || fail "lock-held-again: status $st, expected 1"
sk "rmdir lock"

# O_EXCL (noclobber): the 2nd run fails as in bash
sk "sh -c 'set -C; echo one > nc.txt' && echo ok"; expect_out noclobber-first ok
sk "sh -c 'set -C; echo one > nc.txt' && echo ok"; expect_miss noclobber-exists
checks=$((checks + 1))
[ "$st" != 0 ] || fail "noclobber-exists: status 0, expected a failure as in bash"

# a test before writing
t='sh -c "test -e once.txt && echo exists || { echo new > once.txt; echo created; }"'
sk "$t"; expect_out probe-first created
sk "$t"; expect_miss probe-second; expect_out probe-second exists
rm once.txt
sk "$t"; expect_out probe-removed created

# a plain mkdir without -p fails when the directory exists
sk "mkdir plain"; sk "mkdir plain"; expect_miss mkdir-exists
checks=$((checks + 1))
[ "$st" = 1 ] || fail "mkdir-exists: status $st, expected 1"

# the output path became a directory: the write fails as in bash
sk "sh -c 'echo a > target.txt'"; sk "sh -c 'echo a > target.txt'"; expect_hit target-warm
rm target.txt && mkdir target.txt
sk "sh -c 'echo a > target.txt'"; expect_miss target-now-dir
checks=$((checks + 1))
[ "$st" != 0 ] && [ -d target.txt ] || fail "target-now-dir: status $st, expected a failure and the directory kept"
rmdir target.txt

# the output became read-only (not as root: root's capabilities are dropped
# in the sandbox, but a mode check is what both do)
sk "sh -c 'echo b > ro.txt'"; sk "sh -c 'echo b > ro.txt'"; expect_hit ro-warm
chmod a-w ro.txt
sk "sh -c 'echo b > ro.txt'"; expect_miss ro-now-readonly
checks=$((checks + 1))
[ "$st" != 0 ] || fail "ro-now-readonly: status 0, expected permission denied"
chmod u+w ro.txt

# the output became a symlink elsewhere: the write goes through it
echo keep >elsewhere.txt
sk "sh -c 'echo c > sl.txt'"; sk "sh -c 'echo c > sl.txt'"; expect_hit symlink-out-warm
rm sl.txt && ln -s elsewhere.txt sl.txt
sk "sh -c 'echo c > sl.txt'"; expect_miss symlink-out-now-link
checks=$((checks + 1))
[ "$(cat elsewhere.txt)" = c ] || fail "symlink-out-now-link: the write did not go through the symlink"

# the directory holding the output vanished: the write fails as in bash
mkdir -p gone
sk "sh -c 'echo d > gone/x.txt'"; sk "sh -c 'echo d > gone/x.txt'"; expect_hit parent-warm
rm -rf gone
sk "sh -c 'echo d > gone/x.txt'"; expect_miss parent-gone
checks=$((checks + 1))
[ "$st" != 0 ] && [ ! -e gone ] || fail "parent-gone: status $st, expected a failure and no directory"

# read after being replaced: what it read was its own output; but a file it
# read before replacing it is an input
echo v1 >rw.txt
r="sh -c 'cat rw.txt > rw.new; echo appended >> rw.new; mv -f rw.new rw.txt; cat rw.txt'"
sk "$r"; expect_out read-then-replace-1 "v1
appended"
sk "$r"; expect_miss read-then-replace-2; expect_out read-then-replace-2 "v1
appended
appended"

finish
