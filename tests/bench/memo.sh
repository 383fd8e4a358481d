#!/bin/sh
# memo.sh - shark's memo engine against plain dash, side by side in one run:
# ten real text pipelines on generated 1 MB and 30 MB inputs, cold (every
# stage runs in the sandbox and is recorded: `shark -f`), warm (all hits),
# the hit latency of a trivial cached command against `dash -c true`, a
# script of 100 cached commands against dash running them, and
# an edited tail (the last of five stages changed) against the whole
# pipeline under dash. Medians; ratios are shark/dash.
#
#   sh tests/bench/memo.sh            (BUILD defaults to build/release)
#   BENCH_SIZES="1" BENCH_RUNS=3 ...  (quicker)
set -eu
BUILD=${BUILD:-build/release}
shark=$(cd "$BUILD/bin" && pwd)/shark
sizes=${BENCH_SIZES:-"1 30"}
runs=${BENCH_RUNS:-5}
dir=$(mktemp -d "${TMPDIR:-/tmp}/shark-bench-memo.XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/ws"
cd "$dir/ws"
export SHARK_STORE="$dir/store" SHARK_WORKSPACE="$dir/ws"
unset SHARK_NOTICES || true
PY=/usr/bin/python3

# median_ms N CMD...: run CMD N times, print the median wall time in
# milliseconds (one decimal); @K@ in an argument becomes 2, 3, ... from one
# run to the next. Timed from one python process (perf_counter around each
# spawn and wait), so no timing command's own start-up (a `date` per sample
# costs milliseconds here) is counted. Standard output goes to a file, as
# for a user's redirection, never to /dev/null: GNU grep notices an output
# of /dev/null and stops at the first match (`grep -c` included), which
# under dash would time a different, shorter job than the one shark runs
# with its output captured.
median_ms() {
	"$PY" - "$dir/out" "$@" <<'PYEOF'
import statistics, subprocess, sys, time
out, n, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
times = []
for k in range(2, n + 2):
    argv = [a.replace("@K@", str(k)) for a in cmd]
    with open(out, "wb") as f:
        t0 = time.perf_counter_ns()
        subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=f,
                       stderr=subprocess.DEVNULL)
        times.append(time.perf_counter_ns() - t0)
print("%.1f" % (statistics.median(times) / 1e6))
PYEOF
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# Generated data: "user<id> <action> <value> <word> <word>" lines.
gen() {
	awk -v mb="$1" 'BEGIN {
		srand(7); split("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu", w, " ")
		target = mb * 1024 * 1024; n = 0
		while (n < target) {
			line = sprintf("user%d %s %d %s %s", int(3000 * rand() * rand()),
				(rand() < 0.3 ? "buy" : "view"), int(1000 * rand()),
				w[int(12 * rand()) + 1], w[int(12 * rand()) + 1])
			print line; n += length(line) + 1
		} }' >"data$1.txt"
}

pipelines() {
	f=$1
	cat <<EOF
tr -cs A-Za-z '\n' < $f | tr A-Z a-z | sort | uniq -c | sort -rn | head -n 10
sort $f | uniq -c | sort -rn | head -n 5
grep buy $f | cut -d' ' -f1 | sort -u | wc -l
awk '{ s[\$2] += \$3 } END { for (k in s) print k, s[k] }' $f | sort
cut -d' ' -f4 $f | sort | uniq -c | sort -rn
grep -c view $f
tr a-z A-Z < $f | grep USER1 | wc -l
$PY -c 'import sys; print(sum(int(l.split()[2]) for l in sys.stdin))' < $f
sed 's/user/u/' $f | sort -k3 -n | tail -n 3
awk '\$3 > 500' $f | cut -d' ' -f1 | sort | uniq -c | sort -rn | head -n 3
grep refund $f | cut -d' ' -f1 | sort | uniq -c
grep -c refund $f
EOF
}

echo "memo engine vs dash (median of $runs runs; ratio = shark / dash)"
: >"$dir/all_ratios"
for mb in $sizes; do
	gen "$mb"
	echo
	printf '%-6s %-60s %9s %9s %6s %9s %6s\n' "input" "pipeline" "dash ms" "cold ms" "cold/d" \
		"warm ms" "warm/d"
	pipelines "data$mb.txt" >"$dir/pipes"
	: >"$dir/warm_ratios"
	while IFS= read -r p; do
		r=$runs
		[ "$mb" -ge 10 ] && r=3
		d=$(median_ms "$r" dash -c "$p")
		c=$(median_ms "$r" "$shark" -f -c "$p")
		"$shark" -c "$p" >/dev/null 2>&1 </dev/null || true
		w=$(median_ms "$r" "$shark" -c "$p")
		short=$(printf '%s' "$p" | cut -c1-60)
		printf '%-6s %-60s %9s %9s %6s %9s %6s\n' "${mb}MB" "$short" "$d" "$c" "$(ratio "$c" "$d")" \
			"$w" "$(ratio "$w" "$d")"
		echo "$w $d $c" >>"$dir/warm_ratios"
		echo "$w $d $c" >>"$dir/all_ratios"
	done <"$dir/pipes"
	awk -v mb="$mb" '{ lw += log($1 / $2); lc += log($3 / $2); n++ }
		END { printf "%sMB geometric mean over %d pipelines (two with a grep that finds nothing): cold/dash %.2f, warm/dash %.3f\n", mb, n, exp(lc / n), exp(lw / n) }' \
		"$dir/warm_ratios"
done
awk '{ lw += log($1 / $2); lc += log($3 / $2); n++ }
	END { printf "all sizes: geometric mean over %d runs of a pipeline: cold/dash %.2f, warm/dash %.3f\n", n, exp(lc / n), exp(lw / n) }' \
	"$dir/all_ratios"

echo
echo "hit latency (median of 21)"
echo hello >small.txt
"$shark" -c 'cat small.txt' >/dev/null
t=$(median_ms 21 dash -c true)
h=$(median_ms 21 "$shark" -c 'cat small.txt')
printf '  dash -c true %s ms, shark cached `cat small.txt` %s ms, ratio %s\n' "$t" "$h" "$(ratio "$h" "$t")"

echo
echo "a script of 100 cached commands (median of 11 runs of the whole script)"
: >script.sh
for k in $(seq 100); do
	echo "wc -c small.txt data1.txt" >>script.sh
done
"$shark" script.sh >/dev/null
t=$(median_ms 11 dash script.sh)
h=$(median_ms 11 "$shark" script.sh)
printf '  dash (runs each) %s ms, shark (serves each) %s ms, ratio %s\n' "$t" "$h" "$(ratio "$h" "$t")"

echo
echo "edited tail: the last of five stages changed, input data1.txt"
base="cut -d' ' -f1,2 data1.txt | grep buy | sort | uniq -c | sort -rn"
"$shark" -c "$base | head -n 1" >/dev/null
# each run edits the tail anew (head -n 2, 3, ...): only that stage runs
e=$(median_ms "$runs" "$shark" -c "$base | head -n @K@")
d=$(median_ms "$runs" dash -c "$base | head -n 7")
printf '  whole pipeline under dash %s ms, shark with only the tail re-run %s ms, ratio %s\n' \
	"$d" "$e" "$(ratio "$e" "$d")"
