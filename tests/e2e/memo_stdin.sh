#!/bin/sh
# memo_stdin.sh - what a command leaves of its stdin, and the fds a script
# owns, each against bash, cold and warm:
#   - a hit moves a file stdin's offset as the real run did
#     (`{ head -n 1; head -n 1; cat; } < f` on its 2nd run printed l1 l1 l1 l2 l3);
#   - a command that does not read a finished pipe leaves it to the shell
#     (`printf 'a\nb\nc\n' | while read x; do echo $x; cat f; done` printed
#     only a: the engine had read the whole pipe to key the first cat);
#   - `exec 3>&1` in a script never lands on the store's own fds (it turned
#     the store's directory fd into the terminal: "store record failed");
#   - a stage fed by a loop that runs past the 3 s wait is still recorded,
#     under the stdin it turned out to have, and hits once the loop is fast;
#   - SHARK_OUTPUT_DIRS: a declared output folder made by the run hits on the
#     2nd run; an undeclared lock directory still fails as in bash.
. "$(dirname "$0")/../lib/e2e.sh"

# against_bash NAME SCRIPT: bash and shark (twice: cold, warm) print the same.
against_bash() {
	printf '%s\n' "$2" >"$root/t.sh"
	(cd "$ws" && bash "$root/t.sh" >"$root/b.out" 2>&1; echo "status $?" >>"$root/b.out")
	for phase in cold warm; do
		(cd "$ws" && "$SHARK" "$root/t.sh" >"$root/s.out" 2>&1; echo "status $?" >>"$root/s.out")
		checks=$((checks + 1))
		cmp -s "$root/b.out" "$root/s.out" || {
			fail "$1 ($phase): differs from bash"
			diff "$root/b.out" "$root/s.out" | head -n 8 | sed 's/^/  /'
		}
	done
}

printf 'l1\nl2\nl3\n' >in.txt
echo x >f.txt
against_bash file-offset '{ head -n 1; head -n 1; cat; } < in.txt'
against_bash file-offset-loop 'while read -r l; do echo "got $l"; head -c 0 f.txt; done < in.txt'
against_bash pipe-loop 'printf "a\nb\nc\n" | while read x; do echo "$x"; cat f.txt; done'
against_bash pipe-loop-cmd 'head -n 3 in.txt | while read -r x; do echo "$x"; ls f.txt; done'
against_bash pipe-loop-reader 'printf "a\nb\nc\nd\n" | while read x; do echo "$x"; sh -c "read y; echo inner \$y"; done'
against_bash exec-fds ': > app.txt
cat in.txt
exec 3>&1
exec > log.txt 2>&1
sh -c "echo inside; echo problem >&2"
exec 1>&3 2>&1
cat log.txt
exec 4<in.txt 5>&1 6</dev/null 7>>app.txt 8<&0 9>&2
wc -l in.txt
cat <&4
echo more >&7
cat app.txt'
checks=$((checks + 1))
grep -q "store" "$root/s.out" && fail "exec-fds: the store complained: $(cat "$root/s.out")"

# a stage fed by a loop slower than the 3 s wait: recorded all the same
prod='for i in 1 2 3 4; do echo "$i"; sh -c "sleep 1; : $i"; done | sort -r'
sk "$prod"
expect_out slow-feed-cold "$(printf '4\n3\n2\n1')"
sk "$prod"
expect_out slow-feed-warm "$(printf '4\n3\n2\n1')"
checks=$((checks + 1))
"$SHARK" log -n 1 --json | jq -e '.[0].outcome == "hit"' >/dev/null ||
	fail "slow-feed: sort -r did not hit once its feeding loop was fast: $("$SHARK" log -n 1)"

# SHARK_OUTPUT_DIRS
cat >mk.py <<'PY'
import os
os.makedirs("out", exist_ok=True)
open("out/r.txt", "w").write("result\n")
print("made")
PY
SHARK_OUTPUT_DIRS=out sk 'python3 mk.py'
expect_out outdirs-cold made
SHARK_OUTPUT_DIRS=out sk 'python3 mk.py'
expect_hit outdirs-2nd-run
expect_out outdirs-2nd-run made
checks=$((checks + 1))
[ "$(cat out/r.txt)" = result ] || fail "outdirs: out/r.txt is [$(cat out/r.txt)]"
# undeclared, the 2nd run re-runs (hits from the 3rd)
rm -rf out
sk 'python3 mk.py'
sk 'python3 mk.py'
expect_miss outdirs-undeclared
# a lock directory (not declared): the 2nd attempt fails as in bash
sk 'mkdir lock'
sk 'mkdir lock'
expect_miss lock-dir
checks=$((checks + 1))
[ "$st" != 0 ] || fail "lock-dir: the 2nd mkdir lock succeeded"
# declared elsewhere, a lock stays a lock
SHARK_OUTPUT_DIRS=out sk 'mkdir lock'
checks=$((checks + 1))
[ "$st" != 0 ] || fail "lock-dir-other-declared: mkdir lock succeeded"
rmdir lock
SHARK_OUTPUT_DIRS=out sk 'mkdir lock'
checks=$((checks + 1))
[ "$st" = 0 ] && [ -d lock ] || fail "lock-dir-released: mkdir lock failed ($st)"
SHARK_OUTPUT_DIRS=out sk 'mkdir lock'
checks=$((checks + 1))
[ "$st" != 0 ] || fail "lock-dir-other-declared: the 2nd mkdir lock succeeded"
# the folder gone: the run that makes it re-runs or replays it
rm -rf out
SHARK_OUTPUT_DIRS=out sk 'python3 mk.py'
expect_out outdirs-gone made
checks=$((checks + 1))
[ "$(cat out/r.txt)" = result ] || fail "outdirs-gone: out/r.txt missing"
# a file where the folder was: never a hit
rm -rf out
echo blocker >out
SHARK_OUTPUT_DIRS=out sk 'python3 mk.py'
expect_miss outdirs-file-in-the-way
checks=$((checks + 1))
[ "$st" != 0 ] || fail "outdirs-file-in-the-way: status 0"
# the system's `mkdir -p` (nothing declared): an existing folder is what it
# would have made, so its 2nd run hits; -v prints what it creates, so not
# with -v; and a file in the way is never a hit
rm -f out
sk 'mkdir -p res/a/b'
sk 'mkdir -p res/a/b'; expect_hit mkdir-p-2nd
checks=$((checks + 1))
[ "$st" = 0 ] && [ -d res/a/b ] || fail "mkdir-p-2nd: status $st"
rm -rf res
sk 'mkdir -p res/a/b'; expect_hit mkdir-p-gone
checks=$((checks + 1))
[ -d res/a/b ] || fail "mkdir-p-gone: res/a/b was not made again"
sk 'mkdir -pv vres'; expect_out mkdir-pv-1st "$(rmdir vres; dash -c 'mkdir -pv vres')"
sk 'mkdir -pv vres'; expect_miss mkdir-pv-2nd; expect_out mkdir-pv-2nd ""
rm -rf res && echo blocker >res
sk 'mkdir -p res/a/b'; expect_miss mkdir-p-file-in-the-way
checks=$((checks + 1))
[ "$st" != 0 ] || fail "mkdir-p-file-in-the-way: status 0"
rm -f res
finish
