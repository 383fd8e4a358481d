#!/bin/sh
# maint_cli.sh - the maintenance subcommands end to end: dispatch and
# --help, stats, log, show, fsck and fsck --repair on a real store.
. "$(dirname "$0")/../lib/e2e.sh"

check() { # NAME CONDITION...
	checks=$((checks + 1))
	name=$1
	shift
	"$@" >/dev/null 2>&1 || fail "$name"
}

# ---- dispatch ----
for sub in stats log show why verify lineage export import fsck gc help; do
	"$SHARK" "$sub" --help >"$root/h" 2>&1
	check "$sub --help exits 0" [ $? -eq 0 ]
	check "$sub --help prints its usage" grep -q "usage: shark" "$root/h"
done
"$SHARK" help >"$root/h"
check "help lists gc" grep -q '^  gc ' "$root/h"
"$SHARK" bogus-option-test --nope >/dev/null 2>&1
check "a non-subcommand is still a script name (127)" [ $? -eq 127 ]

# A script named like a subcommand: the subcommand wins, ./NAME runs it.
printf 'echo i am the script\n' >"$ws/stats"
"$SHARK" stats >"$root/o" 2>&1
check "subcommand wins over a script file" grep -q '^traces' "$root/o"
"$SHARK" ./stats >"$root/o" 2>&1
check "./stats runs the script" grep -q 'i am the script' "$root/o"
rm -f "$ws/stats"

# ---- an empty (missing) store ----
"$SHARK" stats --json >"$root/o"
check "stats on a missing store" jq -e '.traces == 0 and .runs == 0' "$root/o"
"$SHARK" log >"$root/o"
check "log on a missing store is empty" [ ! -s "$root/o" ]
"$SHARK" why -c 'cat nothing.txt' >"$root/o" 2>&1
check "why -c on a missing store: would miss" grep -q '^`cat nothing.txt`: would miss' "$root/o"
check "no store was created by read-only commands" [ ! -e "$store" ]

# ---- runs ----
printf 'one\ntwo\nthree\n' >"$ws/in.txt"
sk 'sort -r -o out.txt in.txt; cat out.txt'
expect_out "first run" "$(printf 'two\nthree\none')"
sk 'sort -r -o out.txt in.txt; cat out.txt'
expect_hit "second run"

"$SHARK" log -n 2 >"$root/o"
check "log -n 2 prints two lines" [ "$(wc -l <"$root/o")" -eq 2 ]
check "log shows a hit" grep -q ' hit ' "$root/o"
"$SHARK" log --json >"$root/o"
check "log --json is a JSON array of 4 runs" jq -e 'length == 4' "$root/o"
check "log --json has the command" jq -e '[.[] | select(.command == "sort -r -o out.txt in.txt")] | length == 2' "$root/o"
check "log --json outcomes" jq -e '([.[].outcome] | index("hit")) != null and all(.[]; .outcome == "hit" or .outcome == "miss")' "$root/o"

# the first run of sort (newest first: the last one) wrote out.txt
sortid=$(jq -r '[.[] | select(.command == "sort -r -o out.txt in.txt" and .outcome == "miss")] | last | .id' "$root/o")
"$SHARK" show "$sortid" >"$root/o"
check "show names the input file" grep -q "file .* $ws/in.txt" "$root/o"
check "show names the effect" grep -q "write .*out.txt" "$root/o"
"$SHARK" show "$sortid" --json >"$root/o"
check "show --json lists the input with its hash" \
	jq -e --arg p "$ws/in.txt" '.trace.inputs | map(select(.path == $p and .kind == "file" and (.hash | length) == 32)) | length == 1' "$root/o"
check "show --json lists the effect" jq -e '.trace.effects[0].path == "out.txt" and .trace.effects[0].kind == "write"' "$root/o"
"$SHARK" show last >/dev/null
check "show last" [ $? -eq 0 ]
"$SHARK" show 9999 >/dev/null 2>&1
check "show of an unknown run fails (1)" [ $? -eq 1 ]
"$SHARK" show nonsense >/dev/null 2>&1
check "show of a non-id is a usage error (2)" [ $? -eq 2 ]
"$SHARK" log -n x >/dev/null 2>&1
check "log -n x is a usage error (2)" [ $? -eq 2 ]

"$SHARK" stats --json >"$root/o"
check "stats counts traces, hits and misses" \
	jq -e '.traces >= 2 and .hits >= 1 and .misses >= 2 and .hits + .misses == .runs and .runs == 4 and .blobs >= 2' "$root/o"
# A hit's time saved is its recorded duration less its replay's: shown for
# a command slow enough that no load makes its replay take as long.
sk 'sh -c "sleep 0.5; echo slow"'
expect_miss "a slow command's first run"
sk 'sh -c "sleep 0.5; echo slow"'
expect_hit "a slow command's second run"
"$SHARK" stats --json >"$root/o"
check "stats counts the time a hit saved" jq -e '.time_saved_ns >= 300000000' "$root/o"

# ---- why ----
# why -c answers before running: it expands the line and looks each
# command's key up as a run would (fds as why's own: stderr to a file, as sk).
printf 'x\n' >"$ws/w.txt"
sk 'cat w.txt'
printf 'y\n' >"$ws/w.txt"
"$SHARK" why -c 'cat w.txt' >"$root/o" 2>"$root/e"
wst=$?
check "why names the changed input" grep -q "changed: *$ws/w.txt (content" "$root/o"
check "why -c of a command that would miss exits 1" [ "$wst" -eq 1 ]
sk 'cat w.txt'
export FOO=1
sk 'cat w.txt'
export FOO=2
"$SHARK" why -c 'cat w.txt' >"$root/o" 2>"$root/e"
check "why names the old variable" grep -q 'was: env=FOO=1' "$root/o"
check "why names the new variable" grep -q 'now: env=FOO=2' "$root/o"
unset FOO
sk 'cat w.txt'
sk 'cat w.txt'
"$SHARK" why last >"$root/o"
check "why of a hit" grep -q 'a hit' "$root/o"
"$SHARK" why -c 'cat w.txt' >"$root/o" 2>"$root/e"
check "why -c of a command that would hit exits 0" [ $? -eq 0 ]
check "and names the run it would be served from" grep -q '^`cat w.txt`: would hit (trace [0-9a-f]*, recorded by run [0-9]*)' "$root/o"
SHARK_RECORD_FAILURES=0 sk 'cat no-such-file'
"$SHARK" why last >"$root/o"
check "why of an unrecorded run gives the reason" grep -q 'not recorded because it exited with a non-zero status' "$root/o"
"$SHARK" why -c 'wc never-ran' >"$root/o" 2>"$root/e"
check "why of a command never run here exits 1" [ $? -eq 1 ]
check "and says so" grep -q 'never ran here' "$root/o"
"$SHARK" why >/dev/null 2>&1
check "why without arguments is a usage error" [ $? -eq 2 ]

# ---- lineage ----
printf 'b a\nc a\n' >"$ws/raw.txt"
sk 'sort -o sorted.txt raw.txt; uniq -c sorted.txt > counts.txt; grep c counts.txt > final.txt'
"$SHARK" lineage final.txt >"$root/o"
check "lineage names the last run" grep -q '^final.txt (content [0-9a-f]*) <- run [0-9]* (its stdout): grep c counts.txt' "$root/o"
check "lineage follows an input" grep -q '^  counts.txt .*uniq -c sorted.txt' "$root/o"
check "lineage follows a written file" grep -q '^    sorted.txt .*<- run [0-9]*: sort -o sorted.txt raw.txt' "$root/o"
check "lineage ends at the source" grep -q '^      raw.txt .*source' "$root/o"
"$SHARK" lineage --dot final.txt >"$root/o"
check "lineage --dot is a digraph" grep -q '^digraph lineage' "$root/o"
check "lineage --dot has edges" grep -q '"sorted.txt" -> "t' "$root/o"
"$SHARK" lineage --script final.txt >"$root/re.sh"
rm -f "$ws/sorted.txt" "$ws/counts.txt" "$ws/final.txt"
sh "$root/re.sh" >/dev/null 2>&1
check "lineage --script reproduces the file" [ "$(cat "$ws/final.txt" 2>/dev/null)" = "$(printf '      1 c a')" ]
"$SHARK" lineage /etc/passwd >/dev/null 2>&1
check "lineage of a file outside the workspace fails" [ $? -eq 1 ]

# ---- verify ----
sk 'sort raw.txt | tr a-z A-Z'
"$SHARK" verify -c 'sort raw.txt | tr a-z A-Z' >"$root/o"
check "verify of a deterministic pipeline exits 0" [ $? -eq 0 ]
check "verify names both stages" [ "$(grep -c 'deterministic$' "$root/o")" -eq 2 ]
# (not `date`: a live command, never recorded, docs/memo.md)
sk "python3 -c 'import random; print(random.random())'"
"$SHARK" verify -c "python3 -c 'import random; print(random.random())'" >"$root/o"
check "verify of a non-deterministic command exits 1" [ $? -eq 1 ]
check "verify says what differed" grep -q 'stdout differs' "$root/o"
check "verify flags it" grep -q 'NON-DETERMINISTIC' "$root/o"
"$SHARK" verify -c 'wc never-ran-here' >/dev/null 2>&1
check "verify of a command never run exits 1" [ $? -eq 1 ]

# ---- fsck ----
"$SHARK" fsck >"$root/o"
check "fsck of a sound store exits 0" [ $? -eq 0 ]
check "fsck says 0 problems" grep -q ' 0 problems' "$root/o"

# Corrupt the stored out.txt content (same size, other bytes).
blob=$(jq -r '.trace.effects[0].blob' <<EOF2
$("$SHARK" show "$sortid" --json)
EOF2
)
obj="$store/objects/$(printf %s "$blob" | cut -c1-2)/$(printf %s "$blob" | cut -c3-)"
chmod u+w "$obj"
printf 'TWO\nthree\none\n' >"$obj"
"$SHARK" fsck >"$root/o"
check "fsck finds the corrupt blob (exit 1)" [ $? -eq 1 ]
check "fsck names the blob" grep -q "^$blob: blob size or content" "$root/o"
"$SHARK" fsck --quick >/dev/null
check "fsck --quick does not re-hash (sizes match)" [ $? -eq 0 ]
"$SHARK" fsck --repair >"$root/o"
check "fsck --repair exits 0" [ $? -eq 0 ]
check "fsck --repair dropped the trace" grep -q 'dropped [12] traces' "$root/o"
"$SHARK" fsck >/dev/null
check "fsck clean after the repair" [ $? -eq 0 ]
rm -f "$ws/out.txt"
sk 'sort -r -o out.txt in.txt; cat out.txt'
expect_miss "after the repair the command runs again"
expect_out "and gives the right output" "$(printf 'two\nthree\none')"

finish
