#!/bin/sh
# record.sh [NAME...] - (re-)record the expected results of conformance
# cases: cases/NAME.out (stdout) and cases/NAME.status (exit status).
#
# Each case runs under dash, or under bash when its first line is
# "# shell: bash", in exactly the environment run.sh uses (lib.sh). Every
# case runs twice and must give the same result both times; a case that
# does not (or that times out) is reported and its old results are left
# alone, so a non-deterministic case never gets recorded. Default: all.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
conf_clean_env "$here/record.sh" "$@"

tmp=$(conf_scratch) || exit 2
trap 'conf_cleanup "$tmp"' EXIT
trap 'exit 130' INT TERM
export TMPDIR="$tmp/tmp" XDG_CACHE_HOME="$tmp/cache" XDG_STATE_HOME="$tmp/state"

if [ $# -eq 0 ]; then
	for f in "$here"/cases/*.sh; do
		n=${f##*/}
		set -- "$@" "${n%.sh}"
	done
fi
names=
for n; do
	n=${n%.sh}
	n=${n##*/}
	[ -f "$here/cases/$n.sh" ] || { echo "record.sh: no case $n" >&2; exit 2; }
	names="$names $n"
done
mkdir "$tmp/run/1" "$tmp/run/2"
# shellcheck disable=SC2086
prepare_cases "$here/cases" "$tmp/run/1" $names || exit 2
# shellcheck disable=SC2086
prepare_cases "$here/cases" "$tmp/run/2" $names || exit 2

bad=0
count=0
for n in $names; do
	sh_name=$(case_shell_mark "$here/cases/$n.sh")
	run_case "$sh_name" "$tmp/run/1" "$n"
	run_case "$sh_name" "$tmp/run/2" "$n"
	read -r st <"$tmp/run/1/$n.status"
	if ! cmp -s "$tmp/run/1/$n.stdout" "$tmp/run/2/$n.stdout" ||
	   ! cmp -s "$tmp/run/1/$n.status" "$tmp/run/2/$n.status"; then
		echo "record.sh: $n is not deterministic under $sh_name; not recorded" >&2
		bad=$((bad + 1))
	elif [ "$st" = 124 ]; then
		echo "record.sh: $n timed out under $sh_name; not recorded" >&2
		bad=$((bad + 1))
	else
		cp "$tmp/run/1/$n.stdout" "$here/cases/$n.out"
		cp "$tmp/run/1/$n.status" "$here/cases/$n.status"
		count=$((count + 1))
	fi
done
echo "recorded $count case(s), $bad problem(s)"
[ "$bad" -eq 0 ]
