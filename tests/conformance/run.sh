#!/bin/sh
# run.sh [--skip-bash-cases] [-j N] SHELL [NAME...] - run the conformance
# suite under SHELL and compare with the recorded results.
#
# Every case cases/NAME.sh runs under SHELL (see lib.sh for the exact
# environment); its stdout and exit status must equal cases/NAME.out and
# cases/NAME.status, recorded from dash (or bash for cases marked
# "# shell: bash"). stderr is not compared. Prints one block per failing
# case with a short diff, then the share of identical cases. Exits 1 if a
# case fails that is not listed in known-differences.txt, 2 on bad usage.
#
#   --skip-bash-cases  leave out the cases recorded from bash (to validate
#                      the suite against dash itself)
#   -j N               run N cases at a time (default 2)
#   NAME...            run only these cases (default: all)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
conf_clean_env "$here/run.sh" "$@"

skip_bash=0
jobs=2
while [ $# -gt 0 ]; do
	case $1 in
	--skip-bash-cases) skip_bash=1; shift ;;
	-j) jobs=${2:?-j needs a number}; shift 2 ;;
	-j*) jobs=${1#-j}; shift ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "usage: run.sh [--skip-bash-cases] [-j N] SHELL [NAME...]" >&2; exit 2; }
shell=$1
shift
case $shell in
*/*) [ -x "${shell%% *}" ] || { echo "run.sh: $shell: not an executable" >&2; exit 2; } ;;
*) command -v "${shell%% *}" >/dev/null || { echo "run.sh: $shell: not found" >&2; exit 2; } ;;
esac

started=$(date +%s)
tmp=$(conf_scratch) || exit 2
trap 'conf_cleanup "$tmp"' EXIT
trap 'exit 130' INT TERM
export TMPDIR="$tmp/tmp" XDG_CACHE_HOME="$tmp/cache" XDG_STATE_HOME="$tmp/state"
run=$tmp/run

# The list of cases to run, one name per line.
if [ $# -gt 0 ]; then
	for n; do
		n=${n%.sh}
		n=${n##*/}
		[ -f "$here/cases/$n.sh" ] || { echo "run.sh: no case $n" >&2; exit 2; }
		echo "$n"
	done
else
	for f in "$here"/cases/*.sh; do
		n=${f##*/}
		echo "${n%.sh}"
	done
fi >"$tmp/list"
if [ "$skip_bash" -eq 1 ]; then
	while read -r n; do
		[ "$(case_shell_mark "$here/cases/$n.sh")" = bash ] || echo "$n"
	done <"$tmp/list" >"$tmp/list2"
	mv "$tmp/list2" "$tmp/list"
fi
# shellcheck disable=SC2046
prepare_cases "$here/cases" "$run" $(cat "$tmp/list") || exit 2

# worker K: runs every jobs-th case starting at K and writes run/NAME.res:
# "pass", or "fail" plus a short explanation.
worker() {
	awk -v k="$1" -v j="$jobs" '(NR - 1) % j == k' "$tmp/list" |
	while read -r n; do
		run_case "$shell" "$run" "$n"
		want=missing
		[ -f "$here/cases/$n.status" ] && read -r want <"$here/cases/$n.status"
		read -r got <"$run/$n.status"
		if [ "$want" = "$got" ] && cmp -s "$here/cases/$n.out" "$run/$n.stdout"; then
			echo pass >"$run/$n.res"
			continue
		fi
		{
			echo fail
			[ "$want" = "$got" ] || echo "    status: expected $want, got $got"
			[ "$got" = 124 ] && echo "    (timed out after ${CONF_TIMEOUT}s)"
			if ! cmp -s "$here/cases/$n.out" "$run/$n.stdout"; then
				diff -u "$here/cases/$n.out" "$run/$n.stdout" 2>&1 |
					sed -n '3,14{s/^/    /;p}'
			fi
			if [ -s "$run/$n.stderr" ]; then
				echo "    stderr: $(head -c 300 "$run/$n.stderr" | head -n 3 | tr '\n' ' ')"
			fi
		} >"$run/$n.res"
	done
}

k=0
while [ "$k" -lt "$jobs" ]; do
	worker "$k" &
	k=$((k + 1))
done
wait

known_file=$here/known-differences.txt
# known_reason NAME: prints the reason listed for NAME in
# known-differences.txt ("NAME reason..." lines, # comments); fails if
# NAME is not listed.
known_reason() {
	[ -f "$known_file" ] || return 1
	awk -v n="$1" '$1 == n { $1 = ""; sub(/^ +/, ""); print; found = 1; exit }
		END { exit !found }' "$known_file"
}

total=0
passed=0
failed=0
known=0
unexpected_pass=""
while read -r n; do
	total=$((total + 1))
	r=$run/$n.res
	res=none
	[ -f "$r" ] && read -r res <"$r"
	if [ "$res" = pass ]; then
		passed=$((passed + 1))
		known_reason "$n" >/dev/null && unexpected_pass="$unexpected_pass $n"
	elif reason=$(known_reason "$n"); then
		known=$((known + 1))
		echo "known $n: $reason"
	else
		failed=$((failed + 1))
		echo "FAIL  $n"
		if [ -f "$r" ]; then tail -n +2 "$r"; else echo "    (no result: the runner itself failed)"; fi
	fi
done <"$tmp/list"

[ -n "$unexpected_pass" ] &&
	echo "note: listed in known-differences.txt but identical now:$unexpected_pass"
pct=$(awk -v p="$passed" -v t="$total" 'BEGIN { if (t) printf "%.1f", 100 * p / t; else print "0.0" }')
echo "conformance ($shell): $passed/$total identical ($pct%), $failed failed, $known known differences, $(($(date +%s) - started))s"
[ "$failed" -eq 0 ]
