#!/bin/sh
# memo_stat.sh - what a program could see of a file it only stat'ed is
# observed (issue 12): after `touch`, `ls -lt`, `find -newer`, `test -nt`
# and a make-like script re-run and print what bash prints, while a file
# that was read stays keyed by its content (a touch alone does not make
# `cat` re-run). A path the user may not search is recorded as "permission
# denied", not a reason to leave the run unrecorded, and `shark why` names
# the path when a run could not be recorded.
. "$(dirname "$0")/../lib/e2e.sh"

mkdir -p data
echo a >data/a.csv
echo b >data/b.csv
touch -d '2020-01-01 00:00:00' data/a.csv
touch -d '2021-01-01 00:00:00' data/b.csv

s1='ls -t data'
s2='find data -newer data/b.csv'
s3='sh -c "test data/a.csv -nt data/b.csv && echo a-newer || echo b-newer"'
s4='sh -c "if [ data/a.csv -nt out.txt ] || [ ! -e out.txt ]; then cat data/a.csv > out.txt; echo built; else echo up-to-date; fi"'
for s in "$s1" "$s2" "$s3"; do
	sk "$s"; like_bash "cold: $s" "$s"
	sk "$s"; expect_hit "warm: $s"; like_bash "warm: $s" "$s"
	sk "$s"; expect_hit "warm3: $s"
done

# the timestamp alone changes: every one of them must re-run
touch -d '2022-01-01 00:00:00' data/a.csv
for s in "$s1" "$s2" "$s3"; do
	sk "$s"; expect_miss "touched: $s"; like_bash "touched: $s" "$s"
	sk "$s"; expect_hit "touched-warm: $s"
done

# a file that was read is keyed by content: a touch does not make it re-run
sk 'cat data/b.csv'; sk 'cat data/b.csv'; expect_hit read-warm
touch -d '2023-01-01 00:00:00' data/b.csv
sk 'cat data/b.csv'; expect_hit read-touched; expect_out read-touched b

# a make-like rule (sh runs [ -nt ] as a builtin: it stats both files)
sk "$s4"; expect_out make-cold built
sk "$s4"; expect_out make-up-to-date up-to-date
sk "$s4"; expect_hit make-up-to-date-warm; expect_out make-up-to-date-warm up-to-date
touch -d '2030-01-01 00:00:00' data/a.csv
sk "$s4"; expect_miss make-touched; expect_out make-touched built

# a mode change is seen by ls -l
echo m >mode.txt && chmod 644 mode.txt
sk 'ls -l mode.txt | cut -c1-10'; sk 'ls -l mode.txt | cut -c1-10'; expect_hit mode-warm
chmod 600 mode.txt
sk 'ls -l mode.txt | cut -c1-10'; expect_out mode-changed -rw-------

# -- a PATH entry the user may not search ---------------------------------------
mkdir -p locked
chmod 000 locked
echo hello >h.txt
p="PATH=$ws/locked:\$PATH; cat h.txt"
sk "$p"; expect_out locked-cold hello
sk "$p"; expect_hit locked-warm; expect_out locked-warm hello
checks=$((checks + 1))
"$SHARK" why last >"$root/why" 2>&1
grep -q 'not recorded' "$root/why" && fail "locked-warm: a run was left unrecorded: $(cat "$root/why")"
# the entry opens up and holds a cat of its own: the command must re-run
chmod 755 locked
printf '#!/bin/sh\necho mine\n' >locked/cat && chmod +x locked/cat
sk "$p"; expect_miss locked-opened; expect_out locked-opened mine
rm -rf locked

# -- why names the path a run could not be recorded for -------------------------
rm -f pipe && mkfifo pipe
sk 'sh -c "test -p pipe && echo fifo"'; expect_out fifo-probed fifo
"$SHARK" why last >"$root/why" 2>&1
checks=$((checks + 1))
grep -q "not recorded because it touched a device, FIFO or socket: $ws/pipe" "$root/why" ||
	fail "why does not name the FIFO: $(cat "$root/why")"
rm -f pipe

finish
