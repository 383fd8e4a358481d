#!/bin/sh
# memo_suite.sh - the completeness suite (issue 12): realistic scripts
# (tests/e2e/suite/NN-*.sh, over the inputs suite/data.sh makes), each run
# three times under shark beside bash in a copy of the workspace. Every run
# must equal bash's byte for byte (stdout, stderr, status and every file the
# script leaves); the 2nd and 3rd runs must be all hits. Then the input
# named by the script's "# change:" line is changed in both trees: the
# output must still equal bash's, and the command named by "# rerun:" must
# have re-run. A script's "# outdirs:" line is the SHARK_OUTPUT_DIRS it is
# run with (docs/memo.md: output folders a command creates); a "# 2nd-miss:"
# line names the one command that must re-run on the 2nd run, with why (a
# real 2nd run of it does something else than the 1st), and it must hit on
# the 3rd.
suite=$(cd "$(dirname "$0")/suite" && pwd)
. "$(dirname "$0")/../lib/e2e.sh"
only=${SUITE_ONLY:-}

last_id() { "$SHARK" log -n 1 --json | jq -r '.[0].id // 0'; }
not_hits() {
	"$SHARK" log -n 0 --json |
		jq -r --argjson b "$1" '.[] | select(.id > $b) | select(.outcome != "hit") | .command'
}
n_runs() {
	"$SHARK" log -n 0 --json | jq -r --argjson b "$1" '[.[] | select(.id > $b)] | length'
}

# tree DIR: every file and symlink under DIR but .git internals, with its
# content hash, one a line, sorted.
tree() {
	(cd "$1" && find . -path '*/.git' -prune -o \( -type f -o -type l \) -print |
		LC_ALL=C sort | while IFS= read -r f; do
			if [ -L "$f" ]; then
				printf '%s -> %s\n' "$f" "$(readlink "$f")"
			else
				printf '%s %s\n' "$f" "$(md5sum <"$f" | cut -c1-32)"
			fi
		done)
}

# one NAME PHASE: run the script under bash in $root/ref and under shark in
# $ws, and compare.
one() {
	name=$1
	phase=$2
	(cd "$root/ref" && bash s.sh >"$root/b.out" 2>"$root/b.err"; echo $? >"$root/b.st")
	before=$(last_id)
	SHARK_OUTPUT_DIRS=$outdirs "$SHARK" s.sh >"$root/s.out" 2>"$root/s.err"
	echo $? >"$root/s.st"
	for f in out err st; do
		checks=$((checks + 1))
		cmp -s "$root/b.$f" "$root/s.$f" || {
			fail "$name ($phase): std$f/status differs from bash"
			diff "$root/b.$f" "$root/s.$f" | head -n 10 | sed 's/^/  /'
		}
	done
	checks=$((checks + 1))
	tree "$root/ref" >"$root/b.tree"
	tree "$ws" >"$root/s.tree"
	cmp -s "$root/b.tree" "$root/s.tree" || {
		fail "$name ($phase): the files left differ from bash's"
		diff "$root/b.tree" "$root/s.tree" | head -n 10 | sed 's/^/  /'
	}
	case $phase in
	2nd | 3rd)
		checks=$((checks + 1))
		missed=$(not_hits "$before")
		[ "$phase" = 2nd ] && [ -n "$miss2" ] &&
			missed=$(printf '%s\n' "$missed" | grep -vxF -- "$miss2")
		[ "$(n_runs "$before")" -gt 0 ] && [ -z "$missed" ] ||
			fail "$name ($phase): not all hits: $(printf '%s' "$missed" | tr '\n' ';')"
		[ "$phase" = 2nd ] && {
			total2=$((total2 + $(n_runs "$before")))
			hits2=$((hits2 + $(n_runs "$before") - $(not_hits "$before" | grep -c .)))
		}
		;;
	changed)
		checks=$((checks + 1))
		not_hits "$before" | grep -qF -- "$rerun" ||
			fail "$name: after '$change', '$rerun' did not re-run"
		;;
	esac
}

hits2=0
total2=0
scripts=0
for s in "$suite"/[0-9]*.sh; do
	name=$(basename "$s" .sh)
	[ -n "$only" ] && case $name in *"$only"*) ;; *) continue ;; esac
	scripts=$((scripts + 1))
	change=$(sed -n 's/^# change: //p' "$s")
	rerun=$(sed -n 's/^# rerun: //p' "$s")
	outdirs=$(sed -n 's/^# outdirs: //p' "$s")
	miss2=$(sed -n 's/^# 2nd-miss: \(.*\) (.*/\1/p' "$s")
	find "$ws" -mindepth 1 -delete
	(cd "$ws" && bash "$suite/data.sh") || fail "$name: data.sh failed"
	cp "$s" "$ws/s.sh"
	rm -rf "$root/ref"
	cp -a "$ws" "$root/ref"
	one "$name" 1st
	one "$name" 2nd
	one "$name" 3rd
	(cd "$ws" && eval "$change") && (cd "$root/ref" && eval "$change") ||
		fail "$name: the change failed"
	one "$name" changed
	one "$name" "changed, 2nd"
done
echo "$scripts scripts; 2nd runs: $hits2 of $total2 commands hit"
finish
