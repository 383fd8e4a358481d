# lib.sh - shared by run.sh and record.sh: the environment cases run in and
# how one case runs.
#
# A case is cases/NAME.sh. It runs as `SHELL ../NAME.sh` with a fresh empty
# directory NAME.d as cwd (so $0 is the same everywhere), stdin from
# /dev/null, a per-case timeout and a clean, fixed environment:
# PATH=/usr/local/bin:/usr/bin:/bin HOME=/home/shark-conformance LANG=C,
# plus TMPDIR, XDG_CACHE_HOME and XDG_STATE_HOME pointing into the run's
# scratch directory (cases never print those), plus the sanitizer options
# if set. Forks are kept to a minimum per case: the suite runs twice in CI.

CONF_TIMEOUT=${CONF_TIMEOUT:-10}

# conf_clean_env SCRIPT ARGS...: re-executes SCRIPT under `env -i` with the
# fixed environment, unless that has been done already. Call it first.
conf_clean_env() {
	if [ "${CONF_CLEAN_ENV-}" = 1 ]; then
		unset CONF_CLEAN_ENV
		return 0
	fi
	_script=$1
	shift
	exec env -i PATH=/usr/local/bin:/usr/bin:/bin \
		HOME=/home/shark-conformance LANG=C \
		TMPDIR="${TMPDIR:-/tmp}" CONF_CLEAN_ENV=1 \
		${CONF_TIMEOUT:+CONF_TIMEOUT="$CONF_TIMEOUT"} \
		${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
		${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
		${LSAN_OPTIONS:+LSAN_OPTIONS="$LSAN_OPTIONS"} \
		/bin/sh "$_script" "$@"
}

# conf_scratch: creates the run's scratch directory, prints its path, and
# points TMPDIR and the XDG directories into it (exported, for the cases).
conf_scratch() {
	_t=$(mktemp -d "${TMPDIR:-/tmp}/shark-conformance.XXXXXX") || return 1
	mkdir "$_t/tmp" "$_t/cache" "$_t/state" "$_t/run" || return 1
	echo "$_t"
}

# case_shell_mark FILE: prints "bash" if the case's first line is
# "# shell: bash" (recorded from bash because dash lacks the feature) or
# "#!/bin/bash" (a bash script: shark runs it in bash mode, as it does any
# script whose #! line names bash), else "dash".
case_shell_mark() {
	_l=
	IFS= read -r _l <"$1" || :
	case $_l in
	'# shell: bash' | '#!/bin/bash') echo bash ;;
	*) echo dash ;;
	esac
}

# prepare_cases CASEDIR RUNDIR NAME...: copies the named cases into RUNDIR
# and creates their empty working directories, in a few processes total.
prepare_cases() {
	_src=$1
	_run=$2
	shift 2
	for _n; do printf '%s\n' "$_src/$_n.sh"; done | xargs cp -t "$_run" || return 1
	for _n; do printf '%s\n' "$_run/$_n.d"; done | xargs mkdir || return 1
}

# run_case SHELL RUNDIR NAME: runs RUNDIR/NAME.sh under SHELL (a command
# path; word-split, so it may carry options) in RUNDIR/NAME.d and leaves
# RUNDIR/NAME.stdout, NAME.stderr and NAME.status.
run_case() {
	_st=0
	# shellcheck disable=SC2086
	(cd "$2/$3.d" && exec timeout -k 2 "$CONF_TIMEOUT" $1 "../$3.sh" \
		</dev/null >"$2/$3.stdout" 2>"$2/$3.stderr") || _st=$?
	echo "$_st" >"$2/$3.status"
}

# conf_cleanup DIR: removes the scratch directory, even where cases left
# read-only directories behind.
conf_cleanup() {
	rm -rf "$1" 2>/dev/null || { chmod -R u+rwx "$1"; rm -rf "$1"; }
}
