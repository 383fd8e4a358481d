#!/bin/sh
# maint_provenance.sh - the texts users read and the provenance commands
# (issue 18): `shark --help`; history, log and why print argv shell-quoted
# so it can be pasted back; why names stdin in words ("file in.txt",
# "output of `sort -r in.txt`"); `why -c` says would hit / would miss
# before anything runs; lineage follows pipes and stdin files and its
# --script rebuilds the file byte for byte.
. "$(dirname "$0")/../lib/e2e.sh"

check() { # NAME CONDITION...
	checks=$((checks + 1))
	name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "ok   $name"
	else
		fail "$name"
	fi
}

no_match() { ! grep -q "$1" "$2"; }

# ---- shark --help ----
"$SHARK" --help >"$root/help"
check "--help exits 0" [ $? -eq 0 ]
for sub in stats log show why lineage verify fsck gc export import; do
	check "--help lists $sub" grep -q "^  $sub  *[a-z]" "$root/help"
done
check "--help names the -c and -f options" grep -q -- '-f, --force' "$root/help"
check "--help says where the manual is" grep -q 'man shark' "$root/help"

# ---- argv shell-quoted in the history ----
printf '3\n1\n2\n' >in.txt
sk "f=\"it's my file.txt\"; cp in.txt \"\$f\"; sort -r \"\$f\" | tr 1 x"
check "the quoted run worked" [ "$st" = 0 ] && [ "$out" = "$(printf '3\n2\nx')" ]
"$SHARK" log --json >"$root/log.json"
cptext=$(jq -r '[.[] | select(.command | startswith("cp "))] | first | .command' "$root/log.json")
check "a simple command's history text is quoted" \
	[ "$cptext" = "cp in.txt 'it'\\''s my file.txt'" ]
sorttext=$(jq -r '[.[] | select(.command | startswith("sort "))] | first | .command' "$root/log.json")
check "a pipeline stage's history text is its expanded argv, quoted" \
	[ "$sorttext" = "sort -r 'it'\\''s my file.txt'" ]
# pasted back, the text is the same argv
check "the text pastes back as the same argv" \
	[ "$(eval "set -- $cptext"; printf '%s|' "$@")" = "cp|in.txt|it's my file.txt|" ]
# a name with a newline: the history keeps it exact (JSON), quoted
nl=$(printf 'two\nlines.txt')
sk "cp in.txt '$nl'"
nltext=$("$SHARK" log --json -n 1 | jq -r '.[0].command')
check "a name with a newline round-trips through the history's text" \
	[ "$(eval "set -- $nltext"; printf '%s|' "$@")" = "cp|in.txt|$nl|" ]
"$SHARK" log -n 1 >"$root/log"
check "log shows it on one line, escaped" grep -qF "cp in.txt 'two\nlines.txt'" "$root/log"
rm -f "$nl"
"$SHARK" log >"$root/log"
check "log prints the quoted text" grep -qF "cp in.txt 'it'\\''s my file.txt'" "$root/log"

# ---- why names stdin in words ----
sk "sort -r in.txt | tr 1 y"
printf '5\n' >>in.txt
sk "sort -r in.txt | tr 1 y"
"$SHARK" why last >"$root/why"
check "why names an upstream stage's output by its command" \
	grep -qF 'now: stdin: output of `sort -r in.txt`' "$root/why"
check "why prints no internal stdin encoding" no_match 'stdin=' "$root/why"
sk "tr 1 z <in.txt"
printf '6\n' >>in.txt
sk "tr 1 z <in.txt"
"$SHARK" why last >"$root/why"
check "why names a stdin file by its path" grep -q 'now: stdin: file in.txt (content' "$root/why"
check "why names the old stdin file too" grep -q 'was: stdin: file in.txt (content' "$root/why"

# ---- why -c: would it hit, before running ----
# (why's stderr goes to a file, as sk's does: terminals are in the key)
printf '3\n1\n2\n' >in.txt
sk "sh -c 'sleep 1; sort -n in.txt'"
"$SHARK" why -c "sh -c 'sleep 1; sort -n in.txt'" >"$root/o" 2>"$root/e"
wst=$?
check "why -c with quotes right after the run: would hit" \
	grep -q "^\`sh -c 'sleep 1; sort -n in.txt'\`: would hit (trace [0-9a-f]*, recorded by run [0-9]*)" "$root/o"
check "and exits 0" [ "$wst" -eq 0 ]
sk 'f="my file.txt"; cp in.txt "$f"; sort -r "$f" | tr 1 x'
"$SHARK" why -c 'g="my file.txt"; sort -r "$g" | tr 1 x' >"$root/o" 2>"$root/e"
check "variables are expanded: the stage would hit" grep -q "^\`sort -r 'my file.txt'\`: would hit" "$root/o"
check "and its downstream stage too" grep -q '^`tr 1 x`: would hit' "$root/o"
"$SHARK" why -c 'sort -r my*.txt | tr 1 x' >"$root/o" 2>"$root/e"
check "globs are expanded" grep -q "^\`sort -r 'my file.txt'\`: would hit" "$root/o"
printf '9\n' >>"my file.txt"
"$SHARK" why -c 'sort -r "my file.txt" | tr 1 x' >"$root/o" 2>"$root/e"
check "a changed input: would miss, naming it" grep -q "^  changed: *$ws/my file.txt (content" "$root/o"
check "its downstream stage would run after it" grep -q '^`tr 1 x`: would run' "$root/o"
sk 'sort -r "my file.txt" | tr 1 x'
printf '3\n1\n2\n' >"my file.txt"
sk 'sort -r "my file.txt" >sorted.txt; sort -r "my file.txt" | tr 1 x'
printf '4\n' >>"my file.txt"
sk 'sort -r "my file.txt" >sorted.txt'
# sort now writes a different output: tr's stdin would differ
"$SHARK" why -c 'sort -r "my file.txt" | tr 1 x' >"$root/o" 2>"$root/e"
check "a changed upstream: the upstream would hit from its newest run" \
	grep -q "^\`sort -r 'my file.txt'\`: would hit" "$root/o"
check "and the stage reading it names the upstream output that differs" \
	grep -q '^  now: stdin: output of `sort -r '"'my file.txt'"'`' "$root/o"
FOO=1 sk 'env | grep -c FOO'
FOO=2 "$SHARK" why -c 'env | grep -c FOO' >"$root/o" 2>"$root/e"
check "a changed variable: named" grep -q '^  now: env=FOO=2' "$root/o"
check "with its old value" grep -q '^  was: env=FOO=1' "$root/o"
"$SHARK" why --json -c 'touch probed.txt; echo "$(date)"' >"$root/o" 2>"$root/e"
check "why --json is valid JSON" jq -e 'length == 2 and .[0].outcome == "miss" and .[1].outcome == "not-probed"' "$root/o"
check "why -c runs nothing" [ ! -e probed.txt ]
printf 'cat in.txt\nsort -n in.txt >/dev/null\n' >"$root/script.sh"
sk "$(cat "$root/script.sh")"
"$SHARK" why "$root/script.sh" >"$root/o" 2>"$root/e"
check "why FILE probes a script: every command would hit" \
	[ "$(grep -c ': would hit' "$root/o")" -eq 2 ]

# ---- lineage through pipes, redirections and stdin files ----
mkdir -p lin/out
cd lin || exit 1
awk 'BEGIN { for (i = 1; i <= 40; i++) print (i * 37) % 101 }' >a.txt
printf 'the cat\nA dog\nthe end\nthe cat\n' >words.txt
sk 'sort -rn a.txt > b.txt; head -n 5 b.txt | tr 0-9 a-j > out/c.txt; cp out/c.txt d.txt'
check "the lineage run worked" [ "$st" = 0 ] && [ -s d.txt ]
"$SHARK" lineage d.txt >"$root/o"
check "lineage: the copy" grep -q '^lin/d.txt (content [0-9a-f]*) <- run [0-9]*: cp out/c.txt d.txt' "$root/o"
check "lineage: the redirected stdout of a pipeline's last stage" \
	grep -q '^  lin/out/c.txt .*<- run [0-9]* (its stdout): tr 0-9 a-j' "$root/o"
check "lineage: through the pipe to the stage that fed it" \
	grep -q '^    (stdin, a pipe) <- run [0-9]* (its stdout): head -n 5 b.txt' "$root/o"
check "lineage: that stage's input file" grep -q '^      lin/b.txt .*<- run [0-9]* (its stdout): sort -rn a.txt' "$root/o"
check "lineage: back to the source" grep -q '^        lin/a.txt .*: source' "$root/o"
"$SHARK" lineage --dot d.txt >"$root/o"
for what in 'cp out/c.txt d.txt' 'tr 0-9 a-j' 'head -n 5 b.txt' 'sort -rn a.txt'; do
	check "lineage --dot shows the run $what" grep -q "label=\"$what\"" "$root/o"
done
check "lineage --dot shows the source" grep -q '"lin/a.txt" \[shape=note' "$root/o"
check "lineage --dot shows the pipe" grep -q 'label="stdin (pipe)"' "$root/o"
"$SHARK" lineage --script d.txt >"$root/d.sh"
# a 4-stage pipeline reading a stdin file, into a redirection
sk 'tr a-z A-Z < words.txt | sort | uniq -c | sort -rn > out/counts.txt'
check "the 4-stage run worked" [ "$st" = 0 ] && [ -s out/counts.txt ]
"$SHARK" lineage out/counts.txt >"$root/o"
check "lineage: a stdin file is followed" grep -q '^        lin/words.txt .*: source' "$root/o"
"$SHARK" lineage --script out/counts.txt >"$root/counts.sh"
check "lineage --script is valid sh" sh -n "$root/counts.sh"
check "the script redirects the stdin file" grep -q "tr a-z A-Z < \"\$root\"/lin/words.txt | sort | uniq -c | sort -rn > \"\$root\"/lin/out/counts.txt" "$root/counts.sh"
cd "$ws" || exit 1
# a copy of the workspace elsewhere, the produced files deleted
cp -a "$ws" "$root/copy"
rm -rf "$root/copy/lin/out" "$root/copy/lin/b.txt" "$root/copy/lin/d.txt"
(cd "$root/copy" && sh "$root/d.sh" "$root/copy" >/dev/null 2>&1)
check "the script rebuilds d.txt byte for byte in the copy" cmp "$ws/lin/d.txt" "$root/copy/lin/d.txt"
check "and its intermediate files" cmp "$ws/lin/b.txt" "$root/copy/lin/b.txt"
(cd "$root/copy" && sh "$root/counts.sh" "$root/copy" >/dev/null 2>&1)
check "the script rebuilds the 4-stage pipeline's output byte for byte" \
	cmp "$ws/lin/out/counts.txt" "$root/copy/lin/out/counts.txt"

finish
