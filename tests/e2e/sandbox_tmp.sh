#!/bin/sh
# sandbox_tmp.sh - /tmp inside the sandbox is the host's /tmp below private
# writes: host files there can be read, nothing written there reaches the
# host, and a unix socket listening in the host's /tmp cannot be reached
# (connect() through an overlay's lower layer is refused).
set -u
: "${BUILD:?BUILD must point at the build directory}"
RUN=$BUILD/tests/helpers/sandbox_run
PY=/usr/bin/python3
fails=0
t=$(mktemp -d /tmp/sbx-tmp.XXXXXX)
ws=$t/ws
mkdir -p "$ws"
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	chmod -R u+rwx "$t" 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
ok() { printf 'ok   %s\n' "$1"; }
bad() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
sbx() { (cd "$ws" && "$RUN" "$@"); }

echo host-content >"$t/hostfile"
out=$(sbx -- cat "$t/hostfile" 2>&1)
[ "$out" = host-content ] && ok "a host file under /tmp is readable" || bad "read host /tmp file: [$out]"

sbx -- sh -c "echo private >$t/written; echo x >/tmp/sbx-tmp-private-\$\$" >/dev/null 2>&1
[ ! -e "$t/written" ] && ok "a write under /tmp stays private" || bad "a write under /tmp reached the host"
ls /tmp/sbx-tmp-private-* >/dev/null 2>&1 && bad "a new file in /tmp reached the host" ||
	ok "a new file in /tmp stays private"

sock=$t/host.sock
"$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(1)
s.settimeout(20)
try:
    c, _ = s.accept(); c.sendall(b"escaped\n"); time.sleep(1)
except OSError:
    pass
' "$sock" &
pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
out=$(sbx -- "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print(s.recv(64).decode().strip())
except OSError as e:
    print("blocked", e.errno)
' "$sock" 2>&1)
case $out in
blocked*) ok "a host unix socket under /tmp is unreachable ($out)" ;;
*) bad "a host unix socket under /tmp was reached: [$out]" ;;
esac

[ "$fails" -eq 0 ] && echo "sandbox /tmp: all passed" || echo "sandbox /tmp: $fails failed"
[ "$fails" -eq 0 ]
