#!/bin/sh
# shell.sh - interpreter speed: a 100,000-iteration loop of arithmetic,
# tests and variable work, run by shark and by dash side by side
# (alternating, 7 runs each); prints the medians and the ratio.
# Target (issue 4): shark at most 1.5x dash. Plus a bash-mode script (a
# 100,000-element array built and looped over with [[ ]] and (( ))) run
# by shark and by bash; target (issue 16): at most 1.5x bash.
set -eu
SHARK=${SHARK:-${BUILD:?BUILD not set}/bin/shark}
RUNS=${RUNS:-7}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shark-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/loop.sh" <<'LOOP'
i=0
sum=0
s=
while [ $i -lt 100000 ]; do
	sum=$((sum + i * 2 % 7))
	if [ $((i % 3)) -eq 0 ]; then
		s=x
	else
		s=${s}y
		s=${s%y}
	fi
	i=$((i + 1))
done
echo $sum $s
LOOP
cat >"$tmp/func.sh" <<'LOOP'
f() { local a=$1; r=$((a + 1)); }
i=0
while [ $i -lt 30000 ]; do
	f $i
	case $r in *0) n=$((n + 1)) ;; esac
	i=$r
done
echo $n
LOOP

cat >"$tmp/array.sh" <<'LOOP'
#!/bin/bash
a=()
for ((i = 0; i < 100000; i++)); do a+=("item$i"); done
n=0
for x in "${a[@]}"; do
	[[ $x == *7 ]] && ((n++))
done
echo ${#a[@]} $n
LOOP

now_ms() { date +%s%N | cut -c1-13; }

# time_ms SHELL SCRIPT: wall time of one run in milliseconds
time_ms() {
	t0=$(now_ms)
	"$1" "$2" >/dev/null
	t1=$(now_ms)
	echo $((t1 - t0))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

[ "$("$SHARK" "$tmp/loop.sh")" = "$(dash "$tmp/loop.sh")" ] || { echo "shell.sh: shark and dash disagree" >&2; exit 1; }

[ "$("$SHARK" "$tmp/array.sh")" = "$(bash "$tmp/array.sh")" ] || { echo "shell.sh: shark and bash disagree" >&2; exit 1; }

printf '%-34s %10s %10s %8s\n' "benchmark" "dash|bash ms" "shark ms" "ratio"
for b in loop func array; do
	ref=dash
	[ "$b" = array ] && ref=bash
	: >"$tmp/d"
	: >"$tmp/s"
	k=0
	while [ $k -lt "$RUNS" ]; do
		time_ms "$ref" "$tmp/$b.sh" >>"$tmp/d"
		time_ms "$SHARK" "$tmp/$b.sh" >>"$tmp/s"
		k=$((k + 1))
	done
	d=$(median <"$tmp/d")
	s=$(median <"$tmp/s")
	case $b in
	loop) label="100k loop: arith, test, vars" ;;
	func) label="30k function calls + case" ;;
	array) label="100k array (bash mode; vs bash)" ;;
	esac
	printf '%-34s %10s %10s %8s\n' "$label" "$d" "$s" "$(awk -v a="$s" -v b="$d" 'BEGIN { printf "%.2fx", a / b }')"
done
