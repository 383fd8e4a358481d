#!/bin/sh
# memo_script.sh - scripts run cold and replayed from the store. A
# non-interactive shell without traps runs its commands through the memo
# engine in its own process instead of forking a job for each (docs/memo.md,
# "Which process runs the engine"); what the script prints, the statuses it
# sees, the files it gets back and the stdin its commands read must be what
# dash gives.
. "$(dirname "$0")/../lib/e2e.sh"

# sks FILE...: run the script FILE with shark, like sk.
sks() {
	SHARK_NOTICES=1 "$SHARK" "$@" >"$root/out" 2>"$root/err"
	st=$?
	out=$(cat "$root/out")
	err=$(cat "$root/err")
}
hits() { grep -c 'shark: cached' "$root/err"; }
# sks_piped TEXT FILE: sks FILE with TEXT on its stdin through a pipe.
sks_piped() {
	printf '%s\n' "$1" | SHARK_NOTICES=1 "$SHARK" "$2" >"$root/out" 2>"$root/err"
	st=$?
	out=$(cat "$root/out")
	err=$(cat "$root/err")
}

# script_as_dash NAME FILE: shark's stdout and status for the last sks
# equal dash's for the same script.
script_as_dash() {
	checks=$((checks + 1))
	dash "$2" >"$root/rout" 2>/dev/null
	rst=$?
	rout=$(cat "$root/rout")
	[ "$out" = "$rout" ] && [ "$st" = "$rst" ] ||
		fail "$1: shark gave [$out] status $st, dash [$rout] status $rst"
}

printf 'one\ntwo\n' >in.txt

# -- outputs, command substitution, effects, and the shell's own output
#    in order around replayed output
cat >s1.sh <<'EOF'
echo start
cat in.txt
n=$(wc -l <in.txt)
echo "lines: $n"
sort -r in.txt >sorted.txt
cat sorted.txt
echo end
EOF
sks s1.sh; script_as_dash s1-cold s1.sh
sks s1.sh; script_as_dash s1-warm s1.sh
checks=$((checks + 1))
[ "$(hits)" = 4 ] || fail "s1-warm: expected 4 hits, got $(hits) (stderr: $err)"
rm sorted.txt
sks s1.sh; script_as_dash s1-restored s1.sh
checks=$((checks + 1))
[ "$(cat sorted.txt 2>/dev/null)" = "two
one" ] || fail "s1-restored: sorted.txt was not put back by the replay"

# -- statuses: a recorded failure under set -e, a condition
cat >s2.sh <<'EOF'
if grep -q one in.txt; then echo found; else echo missing; fi
if grep -q three in.txt; then echo found; else echo missing; fi
set -e
sh -c 'echo before; exit 3'
echo not reached
EOF
SHARK_RECORD_FAILURES=1 sks s2.sh; script_as_dash s2-cold s2.sh
SHARK_RECORD_FAILURES=1 sks s2.sh; script_as_dash s2-warm s2.sh
checks=$((checks + 1))
[ "$(hits)" = 3 ] || fail "s2-warm: expected 3 hits, got $(hits) (stderr: $err)"

# -- a stdin that is a pipe: not recorded, each run reads its own input
cat >s3.sh <<'EOF'
tr a-z A-Z
EOF
sks_piped first s3.sh; expect_out s3-first FIRST
sks_piped second s3.sh; expect_out s3-second SECOND
# ... and a redirected file is known by its content
cat >s4.sh <<'EOF'
tr a-z A-Z <in.txt
EOF
sks s4.sh; sks s4.sh; expect_out s4-warm "ONE
TWO"
checks=$((checks + 1))
[ "$(hits)" = 1 ] || fail "s4-warm: expected a hit (stderr: $err)"
printf 'three\n' >in.txt
sks s4.sh; expect_out s4-changed THREE
checks=$((checks + 1))
[ "$(hits)" = 0 ] || fail "s4-changed: stale hit (stdout: $out)"

# -- a shell with a trap forks a job for every command: same results
cat >s5.sh <<'EOF'
trap 'echo bye' EXIT
cat in.txt
EOF
sks s5.sh; sks s5.sh; script_as_dash s5-warm s5.sh
checks=$((checks + 1))
[ "$(hits)" = 1 ] || fail "s5-warm: expected a hit (stderr: $err)"

# -- a reader that goes away: the status a killed writer would have
cat >s6.sh <<'EOF'
seq 1 100000 >big.txt
cat big.txt | head -n 1
EOF
sks s6.sh; sks s6.sh; script_as_dash s6-warm s6.sh

# -- pipelines: literal ones run in the shell's process, others in a job
#    child; redirections of every stage, an environment assignment
printf 'b 2\na 1\nc 3\n' >p.txt
cat >s7.sh <<'EOF'
sort p.txt | head -n 1 >top.txt
cat top.txt
LC_ALL=C sort -r p.txt | cut -d' ' -f2 | tr -d '\n' >digits.txt
echo " $(cat digits.txt)"
f=p.txt
sort "$f" | tail -n 1
x=1
sort p.txt | head -n "$x"
EOF
sks s7.sh; script_as_dash s7-cold s7.sh
sks s7.sh; script_as_dash s7-warm s7.sh
rm top.txt digits.txt
sks s7.sh; script_as_dash s7-restored s7.sh

# -- a file changed between two commands of one script: the engine of one
#    process must see it, with the same size, in the same clock tick, and
#    with its mtime put back (only ctime tells) after a run that left the
#    file's stat in the stat cache (an old mtime: not racy, remembered)
printf '111\n' >g.txt
cat >s8.sh <<'EOF'
cat g.txt
printf '222\n' >g.txt
cat g.txt
printf '333\n' >g.txt
cat g.txt
EOF
sks s8.sh; expect_out s8-same-tick "111
222
333"
printf 'AAA\n' >h.txt
touch -d '2020-01-01 00:00:00' h.txt
cat >s9.sh <<'EOF'
cat h.txt
EOF
sks s9.sh; sks s9.sh; expect_out s9-warm AAA
checks=$((checks + 1))
[ "$(hits)" = 1 ] || fail "s9-warm: expected a hit (stderr: $err)"
# ... and the file is rewritten by another process between the two cats of
# one script, its mtime put back (the script waits on a FIFO meanwhile)
mkfifo "$root/ready" "$root/go"
cat >s10.sh <<EOF
cat h.txt
echo ready >"$root/ready"
read x <"$root/go"
cat h.txt
EOF
touch -r h.txt "$root/stamp"
sks s10.sh &
s10=$!
read x <"$root/ready"
printf 'BBB\n' >h.txt
touch -r "$root/stamp" h.txt
echo go >"$root/go"
wait $s10
out=$(cat "$root/out")
err=$(cat "$root/err")
expect_out s10-changed "AAA
BBB"
checks=$((checks + 1))
[ "$(hits)" = 1 ] || fail "s10-changed: expected only the first cat from the store (stderr: $err)"

finish
