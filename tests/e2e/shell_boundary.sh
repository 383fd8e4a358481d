#!/bin/sh
# shell_boundary.sh - the shell's own writes obey the sandbox's rule: a
# redirection may write only inside the workspace, /tmp ($TMPDIR) and
# SHARK_WRITABLE grants, never through a symlink out; terminals, /dev/null,
# the fd aliases and FIFOs keep working; grants reach commands too.
# The "outside" directory is under /var/tmp: outside the workspace and /tmp.
set -u
: "${SHARK:?SHARK must point at the shark binary}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shark-bnd.XXXXXX") || exit 1
out=$(mktemp -d /var/tmp/shark-bnd-out.XXXXXX) || exit 1
trap 'rm -rf "$tmp" "$out"' EXIT
ws=$tmp/ws
mkdir -p "$ws/real"
export SHARK_STORE="$tmp/store"
unset SHARK_WRITABLE SHARK_WORKSPACE
fail=0
n=0
ok() { n=$((n + 1)); }
bad() {
	n=$((n + 1))
	echo "FAIL $1"
	[ -s "$tmp/err" ] && sed 's/^/    stderr: /' "$tmp/err"
	fail=$((fail + 1))
}
sk() { (cd "$ws" && "$SHARK" -c "$1") 2>"$tmp/err"; }

# refused NAME SCRIPT FILE: SCRIPT fails, FILE (outside) is not created,
# and the message names the path, the workspace and the fix.
refused() {
	rm -f "$3"
	if sk "$2" >/dev/null; then
		bad "$1: status 0"
	elif [ -e "$3" ]; then
		bad "$1: $3 was written"
	elif ! grep -q "cannot write .*outside the workspace $ws.*SHARK_WRITABLE=" "$tmp/err"; then
		bad "$1: message"
	else
		ok
	fi
}

refused "> outside" "echo x > $out/a" "$out/a"
grep -q "^shark: 1: cannot write $out/a" "$tmp/err" && ok || bad "the message starts with shark:, not the binary's path"
refused ">> outside" "echo x >> $out/a" "$out/a"
refused ">| outside" "set -C; echo x >| $out/a" "$out/a"
refused "<> outside" "echo x 1<> $out/a" "$out/a"
refused "exec 3> outside" "exec 3> $out/a" "$out/a"
refused "compound > outside" "{ echo x; } > $out/a" "$out/a"
refused "subshell > outside" "( echo x ) > $out/a" "$out/a"
refused "function > outside" "f() { echo x; }; f > $out/a" "$out/a"
refused "program > outside" "cat /dev/null > $out/a" "$out/a"
refused "pipeline stage > outside" "echo x | cat > $out/a" "$out/a"
refused "noclobber > outside" "set -C; echo x > $out/a" "$out/a"
refused "a symlinked dir made by a command" "ln -s $out link; echo x > link/a" "$out/a"
rm -f "$ws/link"
refused "a relative symlink out" "ln -s ../../../../../../../..$out rel; echo x > rel/a" "$out/a"
rm -f "$ws/rel"
echo original >"$out/target"
refused "a symlinked file made by a command" "ln -s $out/target p; echo x >> p" "$out/nothing"
rm -f "$ws/p"
[ "$(cat "$out/target")" = original ] && ok || bad "the symlink target outside was changed"
refused "TMPDIR set by the script widens nothing" "TMPDIR=$out; export TMPDIR; echo x > $out/a" "$out/a"
refused "SHARK_WRITABLE set by the script widens nothing" \
	"SHARK_WRITABLE=$out; export SHARK_WRITABLE; echo x > $out/a" "$out/a"
refused "a dot-dot path out" "echo x > ../../../../../../../..$out/a" "$out/a"

rm -f "$out/a"
(cd / && SHARK_WORKSPACE=/ "$SHARK" -c "echo x > $out/a") 2>"$tmp/err"
[ ! -e "$out/a" ] && ok || bad "a workspace of / made everything writable"

# allowed NAME SCRIPT WANT: SCRIPT prints WANT and succeeds
allowed() {
	got=$(sk "$2")
	st=$?
	[ "$st" = 0 ] && [ "$got" = "$3" ] && ok || bad "$1: status $st, [$got] want [$3]"
}
allowed "> inside" "echo x > f; cat f" x
allowed ">> in a subdirectory" "mkdir -p d; echo x >> d/f; echo y >> d/f; cat d/f" "x
y"
allowed "<> inside" "echo x 1<> g; cat g" x
allowed "exec 3> inside" "exec 3> h; echo z >&3; exec 3>&-; cat h" z
allowed "an absolute symlink that stays inside" "ln -sf $ws/real/t l; echo x > l; cat real/t" x
allowed "a symlinked dir inside" "ln -sfn real rd; echo q > rd/u; cat real/u" q
allowed "/tmp" "echo t > $tmp/in-tmp; cat $tmp/in-tmp" t
allowed "/dev/null" "echo x > /dev/null; echo x >> /dev/null; echo ok" ok
allowed "/dev/stdout" "echo so > /dev/stdout" so
allowed "/dev/fd/1" "echo fd > /dev/fd/1" fd
allowed "/proc/self/fd/1" "echo pf > /proc/self/fd/1" pf
allowed "/dev/stderr" "{ echo se > /dev/stderr; } 2>&1" se
echo secret >"$out/ro"
got=$(sk "exec 7<$out/ro; echo x > /dev/fd/7; echo x >> /proc/self/fd/7; exec 8>w8; echo y > /dev/fd/8; cat w8")
[ "$got" = y ] && [ "$(cat "$out/ro")" = secret ] && ok || bad "a read-only fd reopened for writing: [$got]"
grep -q "cannot write /dev/fd/7: the shell holds that descriptor for reading only" "$tmp/err" && ok ||
	bad "a read-only fd reopened for writing: message"
mkfifo "$out/fifo"
(cat "$out/fifo" >"$tmp/fifo-read") &
allowed "a FIFO outside" "echo ff > $out/fifo; echo done" done
wait
[ "$(cat "$tmp/fifo-read")" = ff ] && ok || bad "the FIFO reader got [$(cat "$tmp/fifo-read")]"
rm -f "$out/fifo"
rm -f "$out/a"
refused "/dev/full... is fine but a disk is not" "echo x > /dev/full; echo x > $out/a" "$out/a"

# A grant: the shell and the commands may write there; a command that did
# is not recorded (its write is no effect a replay could redo).
echo data >"$ws/f"
got=$(cd "$ws" && SHARK_WRITABLE="$out" "$SHARK" -c "echo a > $out/a; cat $out/a" 2>"$tmp/err")
[ "$got" = a ] && ok || bad "grant: the shell writes there: [$got]"
got=$(cd "$ws" && SHARK_WRITABLE="/nonexistent-i19:$out" "$SHARK" -c \
	"cp f $out/c; cat $out/c; rm $out/c; cp f $out/c; cat $out/c" 2>"$tmp/err")
[ "$got" = "data
data" ] && [ -f "$out/c" ] && ok || bad "grant: a command writes there and is not replayed: [$got]"
grep -q "SHARK_WRITABLE: left out.*/nonexistent-i19" "$tmp/err" && ok || bad "grant: a bad entry is named"
got=$(cd "$ws" && "$SHARK" -c "cp f $out/d" 2>&1)
[ ! -e "$out/d" ] && ok || bad "no grant: a command wrote outside: [$got]"

# kill: the shell's own jobs and children, never another process.
sleep 60 &
foreign=$!
got=$(cd "$ws" && "$SHARK" -c "kill $foreign; echo st=\$?" 2>"$tmp/err")
[ "$got" = st=1 ] && ok || bad "kill of a foreign pid: [$got]"
grep -q "kill: $foreign: refused: not a process this shell started" "$tmp/err" && ok ||
	bad "kill of a foreign pid: message"
kill -0 "$foreign" 2>/dev/null && ok || bad "the foreign process was signalled"
got=$(cd "$ws" && "$SHARK" -c "kill -9 $foreign; kill -s KILL $foreign; kill 0; kill -- -1; echo st=\$?" 2>"$tmp/err")
[ "$got" = st=1 ] && kill -0 "$foreign" 2>/dev/null && ok || bad "kill -9 / 0 / -1: [$got]"
kill "$foreign"
wait "$foreign" 2>/dev/null
got=$(cd "$ws" && "$SHARK" -c 'sleep 30 & kill $!; wait $!; echo $?' 2>"$tmp/err")
[ "$got" = 143 ] && ok || bad "kill of the shell's job by pid: [$got]"
got=$(cd "$ws" && "$SHARK" -c 'sleep 30 & sleep 30 & kill %1 %2; wait %1; echo $?' 2>"$tmp/err")
[ "$got" = 143 ] && ok || bad "kill %N: [$got]"
got=$(cd "$ws" && "$SHARK" -c 'sleep 30 | cat & kill %%; wait; echo $?' 2>"$tmp/err")
[ "$got" = 0 ] && [ ! -s "$tmp/err" ] && ok || bad "kill %% of a pipeline: [$got]"

# host: one command unsandboxed, with the user's rights, never recorded,
# in the history as such.
rm -f "$out/h"
got=$(cd "$ws" && "$SHARK" -c "host sh -c 'echo hi > $out/h'; cat $out/h; echo x | host tr x y | cat;
	host sh -c 'exit 3'; echo \$?; host no-such-cmd-i19; echo \$?" 2>"$tmp/err")
[ "$got" = "hi
y
3
127" ] && ok || bad "host runs unsandboxed: [$got]"
log=$("$SHARK" log 2>&1)
echo "$log" | grep -q "host sh -c 'echo hi > $out/h' .*ran on the host, unsandboxed" && ok ||
	bad "host is in the log as such: [$log]"
rm -f "$out/h"
(cd "$ws" && "$SHARK" -c "host sh -c 'echo hi > $out/h'") 2>"$tmp/err"
[ -f "$out/h" ] && ok || bad "host is never replayed"
sleep 60 &
foreign=$!
(cd "$ws" && "$SHARK" -c "host kill $foreign") 2>"$tmp/err"
wait "$foreign" 2>/dev/null
kill -0 "$foreign" 2>/dev/null && bad "host kill of a foreign pid" || ok

# The workspace is found when first needed (a write, a command, a fork),
# but from the directory the shell started in, as before: a `cd` first
# does not move it.
refused "workspace from the start directory, after cd" "cd $out && echo x > $out/cd" "$out/cd"
# A relative SHARK_WORKSPACE names a directory from the start directory too.
mkdir -p "$out/rel/sub"
(cd "$out/rel" && SHARK_WORKSPACE=. "$SHARK" -c 'cd sub && echo hi > ../f') 2>"$tmp/err"
[ "$(cat "$out/rel/f" 2>/dev/null)" = hi ] && ok ||
	bad "a relative SHARK_WORKSPACE from the start directory: $(cat "$tmp/err")"
rm -rf "$out/rel"
# A script that needs no workspace never looks for one: a bad one is not
# reported; one that does reports it once, its subshells included.
(cd "$ws" && SHARK_WORKSPACE=/nonexistent/ws "$SHARK" -c 'echo hi' >"$tmp/o" 2>"$tmp/err")
[ $? = 0 ] && [ "$(cat "$tmp/o")" = hi ] && [ ! -s "$tmp/err" ] && ok ||
	bad "a bad SHARK_WORKSPACE is not looked at by a script without commands"
(cd "$ws" && SHARK_WORKSPACE=/nonexistent/ws "$SHARK" -c '(/bin/true); x=$(/bin/true); /bin/true' \
	>/dev/null 2>"$tmp/err")
[ "$(grep -c 'cannot set up the memo engine' "$tmp/err")" = 1 ] && ok ||
	bad "a bad SHARK_WORKSPACE is reported once, subshells included"

echo "$n checks, $fail failed"
[ "$fail" = 0 ]
