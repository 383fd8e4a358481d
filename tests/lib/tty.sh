# tty.sh - a real terminal for the interactive tests (sourced).
#
# Set tty_name (a word naming the test) and, if the shell should use a
# store other than $tmp/cache/shark, tty_store (relative to $tmp), then
# source this file: it checks $SHARK and tmux, makes a temp dir ($tmp:
# home, state, cache, work) and a private tmux server on its own socket (T
# runs tmux against it; both go on exit), and defines the helpers the tests
# share: screen, last_line, poll, check, type_line, has_line, last_is,
# ends_with, on_tty, shell_exited, start_shell (a fresh session running
# $SHARK in a clean environment) and begin_session (that, up to its first
# prompt). Every wait is a bounded polling loop on the screen contents.

: "${SHARK:?set SHARK to the absolute path of the shark binary}"
if ! command -v tmux >/dev/null 2>&1; then
	echo "$tty_name: tmux is not installed" >&2
	exit 1
fi
if [ ! -x "$SHARK" ]; then
	echo "$tty_name: $SHARK is not an executable" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shark-$tty_name.XXXXXX") || exit 1
sock=$tmp/tmux.sock
home=$tmp/home
state=$tmp/state
hist=$state/shark/history
work=$tmp/work
mkdir "$home" "$state" "$tmp/cache" "$work" || exit 1
echo file-content-ok >"$work/unique-file-name.txt"

# A unix socket path must fit in 108 bytes; with a long $TMPDIR fall back to
# a uniquely named socket in tmux's own per-user directory.
if [ ${#sock} -lt 100 ]; then
	T() { tmux -S "$sock" -f /dev/null "$@"; }
else
	sock=${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/shark-$tty_name-$$
	T() { tmux -L "shark-$tty_name-$$" -f /dev/null "$@"; }
fi
cleanup() {
	T kill-server >/dev/null 2>&1
	rm -f "$sock"
	chmod -R u+rwx "$tmp" 2>/dev/null # overlay work dirs of killed runs
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

failures=0
checks=0
PANE=sh

# screen: the visible pane, wrapped lines joined, trailing blanks removed.
screen() {
	T capture-pane -p -J -t "$PANE" 2>/dev/null | sed 's/[[:space:]]*$//'
}

last_line() {
	screen | sed '/^[[:space:]]*$/d' | tail -n 1
}

fail() {
	failures=$((failures + 1))
	echo "FAIL: $*"
	echo "  --- screen ---"
	screen | sed 's/^/  | /'
	echo "  --------------"
}

pass() {
	echo "ok: $*"
}

# poll SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds or
# SECONDS have passed.
poll() {
	_limit=$(($1 * 10))
	shift
	_i=0
	while [ "$_i" -lt "$_limit" ]; do
		"$@" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

has_line() { screen | grep -qxF -- "$1"; }
has_line_prefix() { screen | grep -qF -- "$1"; }
screen_has_summary() { screen | grep -qE '^shark: cached 6 commands · saved'; }
last_is() { [ "$(last_line)" = "$1" ]; }
# ends_with PROMPT: the last line ends with PROMPT (after a ^C echo, say).
ends_with() {
	case $(last_line) in
	*"$1") return 0 ;;
	*) return 1 ;;
	esac
}
# shell_exited: the shell has exited and its status is in $tmp/status.
shell_exited() { [ -s "$tmp/status" ]; }
# on_tty NAME: a process called NAME runs on the pane's terminal.
on_tty() {
	_tty=$(T display-message -p -t "$PANE" '#{pane_tty}' 2>/dev/null)
	[ -n "$_tty" ] && ps -o comm= -t "${_tty#/dev/}" 2>/dev/null | grep -qx "$1"
}

# check DESCRIPTION SECONDS COMMAND...: one counted check.
check() {
	_desc=$1
	shift
	checks=$((checks + 1))
	if poll "$@"; then
		pass "$_desc"
		return 0
	fi
	fail "$_desc"
	return 1
}

# type_line TEXT: types TEXT literally, then Enter.
type_line() {
	T send-keys -t "$PANE" -l -- "$1"
	T send-keys -t "$PANE" Enter
}

# start_shell: a fresh session running $SHARK in a clean environment. A
# small sh wrapper writes the shell's exit status to $tmp/status (tmux's own
# #{pane_dead_status} is not always filled in); it catches SIGINT so that a
# Ctrl-C reaching it cannot end the session (a caught signal is reset to the
# default in the shell it starts). The pane stays after the shell exits, so
# the screen can still be shown.
start_shell() {
	T kill-session -t "$PANE" >/dev/null 2>&1
	rm -f "$tmp/status"
	T start-server \; set-option -g remain-on-exit on \; \
		set-option -g history-limit 2000 \; \
		new-session -d -s "$PANE" -x 100 -y 30 -c "$work" \
		sh -c 'trap : INT QUIT; "$@"; echo $? >"$0"' "$tmp/status" \
		env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" TERM=screen \
		LANG=C INPUTRC=/dev/null XDG_STATE_HOME="$state" \
		XDG_CACHE_HOME="$tmp/cache" TMPDIR="$tmp" \
		SHARK_STORE="$tmp/${tty_store:-cache/shark}" \
		PS1='shark-test$ ' PS2='more> ' \
		${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
		${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
		"$SHARK"
}

screen_has_text() { [ -n "$(last_line)" ]; }

# begin_session WHAT: starts the shell and waits for its first prompt,
# which must be PS1 from the environment. If the shell shows some other
# prompt, that is a failure, but PS1 and PS2 are then set by hand so that
# the remaining checks still say something.
begin_session() {
	start_shell || { echo "$tty_name: cannot start tmux" >&2; exit 1; }
	checks=$((checks + 1))
	if poll 10 screen_has_text && poll 2 last_is 'shark-test$'; then
		pass "$1: PS1 from the environment is the first prompt"
		return 0
	fi
	fail "$1: PS1 from the environment is the first prompt"
	if ! shell_exited && screen_has_text; then
		type_line "PS1='shark-test\$ ' PS2='more> '"
		poll 5 last_is 'shark-test$' && return 0
	fi
	echo "$tty_name: no usable prompt; giving up"
	echo "$tty_name: $((checks - failures))/$checks checks passed"
	exit 1
}
