#!/bin/sh
# maint_gc.sh - `shark gc` end to end: what it keeps and drops, --dry-run,
# gc racing several shells (no recorded result lost within the grace
# period, never a wrong output), and SIGKILL at random points of a gc
# (the store stays consistent).
. "$(dirname "$0")/../lib/e2e.sh"

check() { # NAME COMMAND...
	checks=$((checks + 1))
	name=$1
	shift
	"$@" >/dev/null 2>&1 || fail "$name"
}
traces() { "$SHARK" stats --json | jq .traces; }

printf 'pear\napple\nfig\n' >"$ws/in.txt"
cmd='sort in.txt; tr a-z A-Z < in.txt; wc -l < in.txt'
want=$(dash -c "$cmd")
sk "$cmd"
expect_out "first run" "$want"
n0=$(traces)
check "three traces recorded" [ "$n0" -eq 3 ]

# ---- defaults keep everything recent ----
"$SHARK" gc >"$root/o"
check "gc exits 0" [ $? -eq 0 ]
check "gc with defaults drops no trace" [ "$(traces)" -eq "$n0" ]
"$SHARK" gc --max-size 1 --older-than 0s >"$root/o"
check "fresh traces are within the grace period" [ "$(traces)" -eq "$n0" ]
sk "$cmd"
expect_hit "hit after gc"

# ---- dry run ----
"$SHARK" gc --dry-run --max-size 1 --grace 0 >"$root/o"
check "dry run lists what would go" grep -q '^would drop trace ' "$root/o"
check "dry run reports bytes" grep -q 'would be freed' "$root/o"
check "dry run changes nothing" [ "$(traces)" -eq "$n0" ]
"$SHARK" fsck >/dev/null
check "fsck clean after dry run" [ $? -eq 0 ]

# ---- eviction ----
"$SHARK" gc --max-size 1 --grace 0 >"$root/o"
check "gc --max-size 1 --grace 0 drops every trace" [ "$(traces)" -eq 0 ]
check "and says so" grep -q "^dropped $n0 of $n0 traces" "$root/o"
check "objects are gone" [ -z "$(find "$store/objects" -type f)" ]
"$SHARK" fsck >/dev/null
check "fsck clean after eviction" [ $? -eq 0 ]
sk "$cmd"
expect_miss "evicted command runs again"
expect_out "with the right output" "$want"

"$SHARK" gc --max-size nonsense >/dev/null 2>&1
check "a bad size is a usage error" [ $? -eq 2 ]
"$SHARK" gc --older-than 3x >/dev/null 2>&1
check "a bad age is a usage error" [ $? -eq 2 ]

# ---- gc racing concurrent shells ----
# Three shells run distinct commands while gc loops. With the default
# grace nothing recorded may be lost: afterwards every command hits. With
# --grace 0 results may be evicted, but outputs are never wrong.
i=0
while [ $i -lt 4 ]; do
	printf 'line %s\nother %s\n' "$i" "$i" >"$ws/f$i"
	i=$((i + 1))
done
shell_job() { # ID
	j=0
	while [ $j -lt 4 ]; do
		SHARK_NOTICES=1 "$SHARK" -c "grep line f$j; sort -r f$j; cut -c1-3 f$j" \
			>"$root/race.$1.$j" 2>"$root/race.$1.$j.err"
		j=$((j + 1))
	done
}
race() { # GRACE
	rm -f "$root"/race.*
	shell_job 1 &
	p1=$!
	shell_job 2 &
	p2=$!
	shell_job 3 &
	p3=$!
	rounds=0
	while kill -0 $p1 2>/dev/null || kill -0 $p2 2>/dev/null || kill -0 $p3 2>/dev/null; do
		"$SHARK" gc --max-size 1 --grace "$1" >/dev/null 2>"$root/gcerr" ||
			fail "gc failed during the race: $(cat "$root/gcerr")"
		rounds=$((rounds + 1))
	done
	wait $p1 $p2 $p3
	checks=$((checks + 1))
	[ $rounds -ge 1 ] || fail "gc never ran during the race"
	for s in 1 2 3; do
		j=0
		while [ $j -lt 4 ]; do
			exp=$(dash -c "grep line f$j; sort -r f$j; cut -c1-3 f$j")
			checks=$((checks + 1))
			[ "$(cat "$root/race.$s.$j")" = "$exp" ] ||
				fail "grace $1: shell $s command $j gave a wrong output: [$(cat "$root/race.$s.$j")], stderr [$(cat "$root/race.$s.$j.err" 2>/dev/null)]"
			j=$((j + 1))
		done
	done
	"$SHARK" fsck >"$root/o" 2>&1
	check "fsck clean after racing gc (grace $1)" [ $? -eq 0 ]
}
race 1h
j=0
while [ $j -lt 4 ]; do
	sk "grep line f$j; sort -r f$j; cut -c1-3 f$j"
	expect_hit "no result recorded beside gc was lost (command $j)"
	j=$((j + 1))
done
race 0

# ---- SIGKILL during gc ----
writer="$BUILD/tests/helpers/store_writer"
if [ -x "$writer" ]; then
	k=0
	for delay in 0.01 0.03 0.05 0.08 0.12; do
		k=$((k + 1))
		"$writer" "$store" "$k" 150 nosync >/dev/null || fail "store_writer failed"
		"$SHARK" gc --max-size 1 --grace 0 >/dev/null 2>&1 &
		gp=$!
		sleep "$delay"
		kill -9 $gp 2>/dev/null
		wait $gp 2>/dev/null
		"$SHARK" fsck >"$root/o" 2>&1
		check "store consistent after SIGKILL $delay s into gc" [ $? -eq 0 ]
	done
	"$SHARK" gc --max-size 1 --grace 0 >/dev/null
	check "a later gc collects what the killed ones left" [ "$(traces)" -eq 0 ]
	check "no object left behind" [ -z "$(find "$store/objects" -type f)" ]
	"$SHARK" fsck >/dev/null
	check "fsck clean at the end" [ $? -eq 0 ]
else
	fail "missing $writer"
fi

finish
