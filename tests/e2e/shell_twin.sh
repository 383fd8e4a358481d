#!/bin/sh
# shell_twin.sh - the static shark and its dynamic twin (shark/twin.h,
# docs/performance.md "A static shark and its dynamic twin"): bin/shark has
# no program interpreter; an interactive shell, export and import, and a
# configured shared cache run through libexec/shark/shark with line editing,
# history and libarchive working; the process keeps its name; tilde
# expansion of ~, ~root, ~nobody and an unknown user agrees with bash, also
# with HOME unset and (as root, in a mount namespace) for a user that only
# NSS knows (not in /etc/passwd); `shark -c 'shark ...'` still counts as
# shark itself. A shark copied alone runs scripts and fails with an error
# naming the twin only where it needs it. Under SANITIZE=1 shark is dynamic
# and there is no twin: the same behaviour is checked without one.
. "$(dirname "$0")/../lib/e2e.sh"
command -v tmux >/dev/null || { echo "shell_twin: tmux is required" >&2; exit 1; }

check() { # NAME COMMAND...
	checks=$((checks + 1))
	name=$1
	shift
	"$@" >/dev/null 2>&1 || fail "$name"
}

bin=$(cd "$(dirname "$SHARK")" && pwd)
twin=$(cd "$bin/.." && pwd)/libexec/shark/shark
# Dynamic only under ASan, or where the static archives of lmdb or xxhash
# are missing (the Makefile then links shark with the shared ones).
if readelf -d "$SHARK" | grep -q 'NEEDED.*\(libasan\|liblmdb\|libxxhash\)'; then
	static=0
	check "a dynamic shark has no twin" [ ! -e "$twin" ]
	want_exe=$bin/shark
else
	static=1
	check "shark is static (no program interpreter)" \
		sh -c "! readelf -l '$SHARK' | grep -q 'program interpreter'"
	check "the twin is built" [ -x "$twin" ]
	check "the twin is linked dynamically" sh -c "readelf -l '$twin' | grep -q 'program interpreter'"
	want_exe=$twin
fi

# -- an interactive shell: readline's editing and history, in the twin ------
sock="shark-twin-$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; chmod -R u+rwx "$root" 2>/dev/null; rm -rf "$root"' EXIT
screen() { tm capture-pane -t t -p; }
wait_for() { # TEXT COUNT: poll until TEXT is on COUNT lines of the screen (5 s)
	k=0
	while [ $k -lt 50 ]; do
		[ "$(screen | grep -cF -- "$1")" -ge "${2:-1}" ] && return 0
		sleep 0.1
		k=$((k + 1))
	done
	return 1
}
tm new-session -d -s t -x 120 -y 30 \
	"env -i PATH=/usr/bin:/bin HOME=$root XDG_STATE_HOME=$root/state TERM=xterm PS1='tw\$ ' SHARK_STORE=$store $SHARK; sleep 30"
checks=$((checks + 1))
wait_for 'tw$' || fail "interactive: no prompt; screen: $(screen)"
pane=$(tm display-message -p -t t '#{pane_pid}')
pid=$(pgrep -P "$pane" | head -n 1)
exe=$(readlink "/proc/$pid/exe" 2>/dev/null)
checks=$((checks + 1))
[ "$exe" = "$want_exe" ] || fail "interactive: the shell runs $exe, expected $want_exe"
comm=$(cat "/proc/$pid/comm" 2>/dev/null)
checks=$((checks + 1))
[ "$comm" = shark ] || fail "interactive: the process is called [$comm], not shark"
tm send-keys -t t 'echo twin-first' Enter
checks=$((checks + 1))
wait_for twin-first 2 || fail "interactive: the command did not run; screen: $(screen)"
# Up recalls the line (readline's history); Left and a typed letter edit it
tm send-keys -t t Up Left Left Left Left Left X Enter
checks=$((checks + 1))
wait_for 'twin-Xfirst' 2 || fail "interactive: no history or editing; screen: $(screen)"
tm send-keys -t t 'exit' Enter
tm kill-server 2>/dev/null

# -- export and import (libarchive) ------------------------------------------
printf 'b\na\n' >"$ws/in.txt"
sk 'sort in.txt'
expect_out "a command" "$(printf 'a\nb')"
"$SHARK" export --all -o "$root/b.tzst" >"$root/o" 2>"$root/e"
check "export through the twin ($(cat "$root/e"))" grep -q '^exported 1 traces' "$root/o"
SHARK_STORE=$root/s2 SHARK_HASH_KEY_FILE=$store/key "$SHARK" import "$root/b.tzst" >"$root/o" 2>"$root/e"
check "import through the twin ($(cat "$root/e"))" [ $? -eq 0 ]
SHARK_STORE=$root/s2 SHARK_NOTICES=1 "$SHARK" -c 'sort in.txt' >"$root/o" 2>"$root/e"
check "the imported run is a hit ($(cat "$root/e"))" grep -q 'shark: cached' "$root/e"

# -- the shared cache (libcurl): nothing listens on port 9 -------------------
SHARK_REMOTE=http://127.0.0.1:9/c SHARK_REMOTE_TIMEOUT=2 "$SHARK" remote status >"$root/o" 2>&1
st=$?
checks=$((checks + 1))
if [ $st -ne 1 ] || grep -q 'twin\|libcurl' "$root/o"; then
	fail "remote status through the twin: status $st, output $(cat "$root/o")"
fi
SHARK_REMOTE=http://127.0.0.1:9/c SHARK_REMOTE_TIMEOUT=2 "$SHARK" -c 'echo remote-ok' >"$root/o" 2>"$root/e"
check "a script with SHARK_REMOTE set runs" [ "$(cat "$root/o")" = remote-ok ]

# -- tilde expansion against bash --------------------------------------------
for w in '~' '~root' '~nobody' '~no-such-user-xyz' '~root/x' '~/y'; do
	want=$(bash -c "echo $w")
	got=$("$SHARK" -c "echo $w" 2>"$root/e")
	checks=$((checks + 1))
	[ "$got" = "$want" ] && [ ! -s "$root/e" ] ||
		fail "tilde $w: [$got] (stderr $(cat "$root/e")), bash says [$want]"
	want=$(env -u HOME bash -c "echo $w")
	got=$(env -u HOME "$SHARK" -c "echo $w" 2>"$root/e")
	checks=$((checks + 1))
	[ "$got" = "$want" ] && [ ! -s "$root/e" ] ||
		fail "tilde $w, HOME unset: [$got] (stderr $(cat "$root/e")), bash says [$want]"
done
# A user only NSS knows: nobody taken out of /etc/passwd (nss-systemd then
# answers for it, with another home); root only (a private mount).
if [ "$(id -u)" -eq 0 ] && grep -q '^passwd:.*systemd' /etc/nsswitch.conf &&
	grep -q '^nobody:' /etc/passwd && command -v unshare >/dev/null; then
	grep -v '^nobody:' /etc/passwd >"$root/passwd"
	unshare -m sh -c "mount --bind '$root/passwd' /etc/passwd &&
		bash -c 'echo ~nobody' && '$SHARK' -c 'echo ~nobody'" >"$root/o" 2>&1
	checks=$((checks + 1))
	[ "$(sed -n 1p "$root/o")" = "$(sed -n 2p "$root/o")" ] && [ "$(wc -l <"$root/o")" -eq 2 ] ||
		fail "a user not in /etc/passwd: bash then shark said $(cat "$root/o")"
	# The twin's lookup is not a child of the script: a CHLD trap stays
	# quiet for it, as in bash, and still fires for a real child.
	t='trap "echo chld" CHLD; echo ~nobody; sleep 0.1 & wait'
	unshare -m sh -c "mount --bind '$root/passwd' /etc/passwd &&
		bash -c '$t' && echo --- && '$SHARK' -c '$t'" >"$root/o" 2>&1
	checks=$((checks + 1))
	[ "$(sed -n '/---/q;p' "$root/o")" = "$(sed -n '1,/---/d;p' "$root/o")" ] ||
		fail "a CHLD trap and a twin lookup: bash, then shark: $(cat "$root/o")"
fi

# -- `shark` inside a script is shark itself (run on the host, not sandboxed)
sk "PATH=$bin:\$PATH; shark -c 'echo nested'"
expect_out "shark inside shark" nested
checks=$((checks + 1))
SHARK_NOTICES=1 SHARK_REMOTE=http://127.0.0.1:9/c SHARK_REMOTE_TIMEOUT=2 \
	"$SHARK" -c "PATH=$bin:\$PATH; shark -c 'echo nested2'" >"$root/o" 2>"$root/e"
[ "$(cat "$root/o")" = nested2 ] || fail "shark inside the twin: $(cat "$root/o") $(cat "$root/e")"
if [ "$static" -eq 1 ]; then
	# In the twin (SHARK_REMOTE set), PATH's shark is the static one: the
	# same shark, so it runs on the host like any shark-in-shark, which the
	# sandbox would not give: the nested shark reads the host's /proc/1.
	SHARK_REMOTE=http://127.0.0.1:9/c SHARK_REMOTE_TIMEOUT=2 \
		"$SHARK" -c "PATH=$bin:\$PATH; shark -c 'echo \$\$'" >"$root/o" 2>"$root/e"
	checks=$((checks + 1))
	[ "$(cat "$root/o")" != 1 ] && [ -n "$(cat "$root/o")" ] ||
		fail "the static shark in the twin's PATH ran sandboxed (pid [$(cat "$root/o")]) $(cat "$root/e")"
fi

# -- a shark binary copied alone ---------------------------------------------
mkdir -p "$root/alone/bin"
cp "$SHARK" "$root/alone/bin/shark"
alone=$root/alone/bin/shark
"$alone" -c 'echo alone-ok; echo ~root' >"$root/o" 2>"$root/e"
check "alone: a script runs ($(cat "$root/e"))" [ "$(cat "$root/o")" = "alone-ok
$(bash -c 'echo ~root')" ]
check "alone: and says nothing" [ ! -s "$root/e" ]
"$alone" export --all -o "$root/c.tzst" >"$root/o" 2>"$root/e"
st=$?
if [ "$static" -eq 0 ]; then
	check "alone: a dynamic shark exports by itself ($(cat "$root/e"))" [ $st -eq 0 ]
else
	check "alone: export fails" [ $st -eq 1 ]
	check "alone: and leaves no file" [ ! -e "$root/c.tzst" ]
	check "alone: export names the twin ($(cat "$root/e"))" \
		grep -q "dynamic twin $root/alone/bin/../libexec/shark/shark: No such file" "$root/e"
	echo 'echo piped-ok' | "$alone" -i >"$root/o" 2>"$root/e"
	check "alone: an interactive shell reads plainly" grep -q piped-ok "$root/o"
	check "alone: and says why ($(cat "$root/e"))" grep -q "no line editing.*dynamic twin" "$root/e"
	SHARK_REMOTE=http://127.0.0.1:9/c SHARK_NOTICES=1 "$alone" -c 'cat in.txt' >"$root/o" 2>"$root/e"
	check "alone: SHARK_REMOTE set: the command runs" [ "$(cat "$root/o")" = "$(cat "$ws/in.txt")" ]
	check "alone: and the warning names the twin ($(cat "$root/e"))" grep -q "dynamic twin" "$root/e"
	"$alone" -c 'echo ~no-such-user-xyz' >"$root/o" 2>"$root/e"
	check "alone: an unknown user stays unexpanded" [ "$(cat "$root/o")" = '~no-such-user-xyz' ]
	check "alone: and the lookup names the twin ($(cat "$root/e"))" grep -q "dynamic twin" "$root/e"
fi

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
