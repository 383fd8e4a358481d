#!/bin/sh
# world.sh - the world a command sees (issue 13), each against bash: live
# commands are never replayed and see the host (time, waiting, processes,
# hostname), shark's own program sees its store, runs that read live
# machine state are not recorded; /tmp is shared by a script's commands and
# its shell (mktemp patterns leave nothing behind, a file one command
# writes there is read by the next, and a hit writes it again); tools can
# keep caches under ~/.cache without it reaching the host; and a failed
# command says why in one line when the sandbox was the cause (a write
# outside the workspace, a network lookup).
. "$(dirname "$0")/../lib/e2e.sh"
PY=/usr/bin/python3
bindir=$(dirname "$SHARK")
export PATH="$bindir:$PATH"
# A place outside /tmp (which commands may now write): where the
# workspace boundary shows.
far=$(mktemp -d /var/tmp/shark-world.XXXXXX)
tmpx=/tmp/shark-world-$$.s
bgpid=""
cleanup_world() {
	[ -n "$bgpid" ] && kill "$bgpid" 2>/dev/null
	rm -rf "$far" "$tmpx" "/tmp/shark-world-$$.escape"
	chmod -R u+rwx "$root" 2>/dev/null
	rm -rf "$root"
}
trap cleanup_world EXIT
check() { # NAME CONDITION...
	what=$1
	shift
	checks=$((checks + 1))
	"$@" || fail "$what"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# -- live commands -------------------------------------------------------------
sk 'date +%s%N'
d1=$out
sk 'date +%s%N'
expect_miss date-not-replayed
check "date twice differs, as in bash [$d1] [$out]" [ "$d1" != "$out" ]

sk 'for i in 1 2 3; do sleep 0.3; done'
t0=$(now_ms)
sk 'for i in 1 2 3; do sleep 0.3; done'
t1=$(now_ms)
expect_miss sleep-not-replayed
check "a sleep loop takes its time on the 2nd run, as in bash ($((t1 - t0)) ms)" [ $((t1 - t0)) -ge 850 ]

sk hostname
check "hostname is the host's, as in bash [$out] [$(hostname)]" [ "$out" = "$(hostname)" ]
# shark-init names its namespace "shark" before its plan comes and gives
# a host-view plan the host's names back: the domain name too.
sk 'hostname -y 2>&1'
check "NIS domain name is the host's, as in bash [$out] [$(hostname -y 2>&1)]" [ "$out" = "$(hostname -y 2>&1)" ]

pname=wkr$$
pname=$(printf "%.15s" "$pname")
cp /bin/sleep "$root/$pname"
"$root/$pname" 60 &
bgpid=$!
sleep 0.2
sk "pgrep -x $pname"
check "pgrep finds a host process, as in bash [$out] [$(pgrep -x "$pname")]" [ "$out" = "$(pgrep -x "$pname")" ]
check "pgrep finds the process started here [$out] [$bgpid]" [ "$out" = "$bgpid" ]
sk "ps -eo pid,comm | grep -c $pname"
check "ps lists a host process, as in bash [$out] [$err]" [ "$out" = "$(ps -eo pid,comm | grep -c "$pname")" ]
# ... but a live command is fenced off the processes it sees: no magic
# link of theirs leads out (their root, cwd, fds, environment), and it
# signals only its own processes.
SHARK_LIVE=cat:python3:kill sk "cat /proc/$bgpid/environ >/dev/null 2>&1; echo env=\$?
python3 -c 'import os; os.open(\"/proc/$bgpid/root/tmp/shark-world-$$.escape\", os.O_WRONLY | os.O_CREAT)' 2>/dev/null; echo root=\$?
/bin/kill -0 $bgpid 2>/dev/null; echo kill=\$?"
check "a live command cannot read a host process's environment [$out]" sh -c 'printf "%s\n" "$1" | grep -qx "env=1"' - "$out"
check "a live command cannot write through /proc/PID/root [$out]" sh -c 'printf "%s\n" "$1" | grep -qx "root=1"' - "$out"
check "the write through /proc/PID/root did not reach the host" [ ! -e "/tmp/shark-world-$$.escape" ]
check "a live command cannot signal a host process [$out]" sh -c 'printf "%s\n" "$1" | grep -qx "kill=1"' - "$out"
kill "$bgpid" 2>/dev/null
bgpid=""

# SHARK_LIVE adds to the table
printf '1\n' >one
sk 'cat one'
sk 'cat one'
expect_hit cat-is-not-live
SHARK_LIVE=cat sk 'cat one'
expect_miss shark-live-adds-cat

# shark's own program: run on the host, it sees its store grow
sk "shark log | wc -l; true; $SHARK log | wc -l"
n1=$(printf '%s\n' "$out" | sed -n 1p)
n2=$(printf '%s\n' "$out" | sed -n 2p)
check "shark log inside a script grows [$n1] [$n2]" [ "$n2" -gt "$n1" ]
sk 'shark log -n 1'
sk 'shark log -n 1'
check "shark log is never replayed [$out]" sh -c 'printf "%s" "$1" | grep -q "shark log -n 1"' - "$out"

# live machine state: read, not recorded, and shark log says why
sk 'cat /proc/loadavg >/dev/null'
sk 'cat /proc/loadavg >/dev/null'
expect_miss loadavg-not-replayed
sk 'shark log -n 2'
check "shark log names the live state read [$out]" sh -c 'printf "%s" "$1" | grep -q "live system state: /proc/loadavg"' - "$out"

# -- /tmp shared with the shell ------------------------------------------------
mkdir -p "$root/mt"
before=$(ls -A "$root/mt" | wc -l)
printf 'b\na\n' >data
script='t=$(mktemp); d=$(mktemp -d); trap '\''rm -rf "$t" "$d"'\'' EXIT
cat data > "$t"; sort "$t" -o "$d/a"; cat "$d/a"; ls "$d"; test -s "$t" && echo t-has-data'
sk "TMPDIR=$root/mt; export TMPDIR; $script"
bout=$(cd "$ws" && TMPDIR=$root/mt bash -c "$script")
check "mktemp file and dir patterns work as in bash [$out] [$bout]" [ "$out" = "$bout" ]
after=$(ls -A "$root/mt" | wc -l)
check "mktemp patterns with an EXIT trap leave nothing behind [$before -> $after]" [ "$after" -eq "$before" ]

# a $TMPDIR outside /tmp (a directory of the user's, given when shark starts)
mkdir -p "$far/mytmp"
TMPDIR=$far/mytmp sk "$script"
bout=$(cd "$ws" && TMPDIR=$far/mytmp bash -c "$script")
check "mktemp patterns in a \$TMPDIR outside /tmp work as in bash [$out] [$bout]" [ "$out" = "$bout" ]
check "and leave nothing behind there [$(ls -A "$far/mytmp")]" [ -z "$(ls -A "$far/mytmp")" ]

printf '1 x\n2 y\n' >other
printf '2 b\n1 a\n' >data2
rm -f "$tmpx"
script="sort -o $tmpx data2; join $tmpx other"
bout=$(bash -c "$script")
rm -f "$tmpx"
sk "$script"
check "a command's /tmp file is read by the next, as in bash [$out] [$bout]" [ "$out" = "$bout" ]
check "it is in the host's /tmp afterwards, as in bash" [ "$(cat "$tmpx" 2>/dev/null)" = "$(printf '1 a\n2 b')" ]
rm -f "$tmpx"
sk "$script"
expect_hit tmp-writer-hits
check "the hit prints what bash does [$out]" [ "$out" = "$bout" ]
check "a hit writes the /tmp file again" [ -s "$tmpx" ]
rm -f "$tmpx"

# -- caches under $HOME -------------------------------------------------------------
mkdir -p "$far/home"
script="$PY -c 'import os; os.makedirs(os.path.expanduser(\"~/.cache/x\")); open(os.path.expanduser(\"~/.cache/x/f\"), \"w\").write(\"1\"); print(\"ok\")'"
HOME=$far/home sk "$script"
check "a tool creates ~/.cache/x, as in bash [$out]" [ "$out" = ok ]
check "and succeeds, as in bash [$st]" [ "$st" -eq 0 ]
check "nothing of it reaches the host's ~/.cache" [ ! -e "$far/home/.cache/x" ]
# the store itself (here in the cache dir, its default place) stays read-only
(
	unset SHARK_STORE
	export XDG_CACHE_HOME="$far/xdg"
	"$SHARK" -c "true; touch $far/xdg/shark/planted 2>/dev/null; echo \$?; cat $far/xdg/shark/key | wc -c" >"$root/out" 2>/dev/null
)
out=$(cat "$root/out")
check "the store in ~/.cache stays read-only inside [$out]" [ "$(echo "$out" | sed -n 1p)" != 0 ]
check "nothing was planted in the store" [ ! -e "$far/xdg/shark/planted" ]
check "its key stays hidden [$out]" [ "$(echo "$out" | sed -n 2p)" = 0 ]

# -- one line says why ------------------------------------------------------------
mkdir -p "$far/proj/analysis" "$far/proj/out"
printf 'b\na\n' >"$far/proj/analysis/d"
(
	cd "$far/proj/analysis" || exit 1
	unset SHARK_WORKSPACE
	SHARK_NOTICES=1 "$SHARK" -c 'sort -o ../out/x d' >"$root/out" 2>"$root/err"
	"$SHARK" -c 'sort -o ../out/y d' >/dev/null 2>"$root/err2"
	touch ../requirements.txt
	"$SHARK" -c 'sort -o ../out/z d' >/dev/null 2>"$root/err3"
	echo $? >"$root/st3"
)
err=$(cat "$root/err")
check "a write outside the workspace fails, as in bash it would not [$err]" [ ! -e "$far/proj/out/x" ]
check "one line names the path, the workspace and the fix [$err]" sh -c 'printf "%s" "$1" | grep "hint" | grep "$2/proj/out/x" | grep "workspace $2/proj/analysis" | grep -q "SHARK_WORKSPACE=$2/proj"' - "$err" "$far"
check "the hint goes to stderr only, never into stdout [$(cat "$root/out")]" [ ! -s "$root/out" ]
check "no hint in a script without SHARK_NOTICES [$(cat "$root/err2")]" sh -c '! grep -q hint "$1"' - "$root/err2"
check "a project root marker above makes it the workspace: the write works, as in bash [$(cat "$root/err3")]" [ "$(cat "$root/st3")" = 0 ]
check "and its file is there" [ -s "$far/proj/out/z" ]

sk "$PY -c 'import socket; socket.getaddrinfo(\"example.com\", 80)' 2>/dev/null"
check "a failed name lookup fails, as in bash without network [$st]" [ "$st" -ne 0 ]
check "one line names the network prefix [$err]" sh -c 'printf "%s" "$1" | grep "hint" | grep -q "network .*python3"' - "$err"

finish
