#!/bin/sh
# remote.sh - the shared cache against a real nginx with WebDAV PUT on
# 127.0.0.1 (issue 14): machine A records and uploads, machine B (an empty
# store, the workspace at the same path) and machine C (an empty store, a
# copy of the workspace at another path) hit remotely with identical
# output and effects; a changed input misses; read-only mode never PUTs; auth; a
# server that fails (500, killed mid-download and mid-upload, corrupt or
# truncated blobs) costs one warning and nothing half-imported; two
# writers at once; the upload queue survives SIGKILL of the shell.
lib=$(cd "$(dirname "$0")/../lib" && pwd)
. "$lib/e2e.sh"
. "$lib/nginx.sh"

trap 'ngx_kill; chmod -R u+rwx "$root" 2>/dev/null; rm -rf "$root"' EXIT
ngx_start "$root/ngx"
if ! curl -s -o /dev/null "$ngx_url/"; then
	echo "FAIL: nginx did not start:"
	cat "$root/ngx/error.log"
	exit 1
fi

# Every store shares one hash key, as a team's machines would.
head -c 32 /dev/urandom >"$root/key"
export SHARK_HASH_KEY_FILE="$root/key" SHARK_REMOTE_TIMEOUT=3
export SHARK_REMOTE="$ngx_url/cache"
unset SHARK_STORE

check() {
	checks=$((checks + 1))
	name=$1
	shift
	"$@" || fail "$name"
}

# on STORE SCRIPT: run SCRIPT with STORE (output in $out/$err, status $st)
on() {
	SHARK_STORE=$1 SHARK_NOTICES=1 "$SHARK" -c "$2" >"$root/out" 2>"$root/err"
	st=$?
	out=$(cat "$root/out")
	err=$(cat "$root/err")
}
remote_hit() { grep -q 'shark: cached (remote)' "$root/err"; }
local_hit() { grep -q 'shark: cached ' "$root/err" && ! remote_hit; }
# requests METHOD WHAT: how many requests of METHOD for WHAT (ac/cas) the log has
requests() { grep -c "^$1 /[a-z]*/v1/[0-9a-f]*/$2/" "$ngx_dir/access.log"; }
# warnings: lines of the last run's stderr that warn about the cache server
warnings() { grep -c 'remote cache' "$root/err"; }
# clean STORE: nothing staged in tmp/, fsck clean
clean() {
	[ -z "$(ls -A "$1/tmp")" ] && SHARK_STORE=$1 "$SHARK" fsck --quick >/dev/null 2>&1
}
traces() { SHARK_STORE=$1 "$SHARK" stats --json | jq .traces; }
push() {
	ps_store=$1
	shift
	SHARK_STORE=$ps_store "$SHARK" remote push "$@" >"$root/push" 2>&1
}

# -- A records, B hits remotely -------------------------------------------------
A=$root/A B=$root/B
printf 'hello\n' >in.txt
cmd='cat in.txt; sleep 0.2; printf "to stderr\n" >&2; cp in.txt copy.txt; mkdir -p d; printf x >d/x'
on "$A" "$cmd"
a_out=$out a_err=$(grep -v '^shark:' "$root/err")
check "A ran the command" [ "$out" = hello ]
check "A wrote its effects" [ "$(cat copy.txt)" = hello ]
push "$A"
check "A's uploads reached the server ($(cat "$root/push"))" grep -q '^pushed' "$root/push"
check "no PUT of an entry before its blobs" sh -c "
	awk '/^PUT/ { if (\$2 ~ /\\/ac\\//) ac = 1; else if (ac) bad = 1 } END { exit bad }' '$ngx_dir/access.log'"
# machine B: the same workspace, without the files A's run wrote
rm -rf copy.txt d
on "$B" "$cmd"
check "B hit remotely (stderr: $err)" remote_hit
check "B's stdout is A's" [ "$out" = "$a_out" ]
check "B's stderr is A's" [ "$(grep -v '^shark:' "$root/err")" = "$a_err" ]
check "B's effects are A's" [ "$(cat copy.txt)" = hello ] && [ "$(cat d/x)" = x ]
check "shark log marks the remote trace" sh -c "SHARK_STORE='$B' '$SHARK' log | grep -q 'imported from remote http://127.0.0.1:$ngx_port/cache'"
acs=$(requests GET ac)
on "$B" "cat in.txt"
check "B's next run is a local hit" local_hit
check "B's local hit asked the server nothing" [ "$(requests GET ac)" -eq "$acs" ]
check "shark remote status counts B's hits" sh -c "SHARK_STORE='$B' '$SHARK' remote status | grep -q '^hits: *[1-9]'"
check "shark stats counts B's remote hits and bytes" sh -c "SHARK_STORE='$B' '$SHARK' stats --json | jq -e '.remote_hits >= 2 and .remote_bytes_in > 0' >/dev/null"
check "shark stats counts A's uploads" sh -c "SHARK_STORE='$A' '$SHARK' stats | grep -q '^remote .* [1-9][0-9]* traces uploaded'"
check "B's store is clean" clean "$B"

# -- machine C: a copy of the workspace at another path ---------------------------
ws2=$root/elsewhere/project
mkdir -p "$root/elsewhere"
cp -a "$ws" "$ws2"
rm -rf "$ws2/copy.txt" "$ws2/d"
cd "$ws2" || exit 1
SHARK_WORKSPACE=$ws2 on "$root/C" "$cmd"
check "C, at another path, hit remotely (stderr: $err)" remote_hit
check "C's stdout is A's" [ "$out" = "$a_out" ]
check "C's stderr is A's" [ "$(grep -v '^shark:' "$root/err")" = "$a_err" ]
check "C's effects are A's, in C's workspace" [ "$(cat "$ws2/copy.txt")" = hello ] && [ "$(cat "$ws2/d/x")" = x ]
check "C's store is clean" clean "$root/C"
cd "$ws" || exit 1

# -- an input changed on B misses, without fetching blobs ------------------------
cas=$(requests GET cas)
printf 'changed\n' >in.txt
on "$root/B2" "cat in.txt"
check "a changed input runs (stdout $out)" [ "$out" = changed ]
check "a changed input is no hit" sh -c "! grep -q 'shark: cached' '$root/err'"
check "no blob was fetched for it" [ "$(requests GET cas)" -eq "$cas" ]
printf 'hello\n' >in.txt

# -- read-only mode never writes ---------------------------------------------------
puts=$(grep -c '^PUT' "$ngx_dir/access.log")
SHARK_REMOTE_MODE=read on "$root/R" "printf 'read only\n'; cat in.txt"
check "read-only: the commands ran" [ "$out" = "read only
hello" ]
SHARK_REMOTE_MODE=read push "$root/R" --all
check "read-only: push refuses" grep -q 'SHARK_REMOTE_MODE=read' "$root/push"
sleep 0.5
check "read-only: no PUT reached the server" [ "$(grep -c '^PUT' "$ngx_dir/access.log")" -eq "$puts" ]
check "read-only: nothing queued" [ ! -s "$root/R/remote/queue" ]

# -- the background uploader: no push, the next machine hits ----------------------
on "$root/W" "/usr/bin/printf 'uploaded by itself\n'"
i=0
while [ "$(SHARK_STORE=$root/W "$SHARK" remote status | awk '/^queue/ { print $2 }')" != 0 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
on "$root/W2" "/usr/bin/printf 'uploaded by itself\n'"
check "the background uploader uploaded (stderr: $err)" remote_hit

# -- HTTP 500: a miss, one warning, nothing imported ----------------------------------
SHARK_REMOTE=$ngx_url/broken on "$root/E" "cat in.txt; printf two; cat in.txt"
check "500: the commands ran" [ "$out" = "hello
twohello" ]
check "500: one warning ($err)" [ "$(warnings)" -eq 1 ]
check "500: nothing imported" [ "$(traces "$root/E")" -eq 1 ]
check "500: store clean" clean "$root/E"
check "500: status names the error" sh -c "SHARK_REMOTE='$ngx_url/broken' SHARK_STORE='$root/E' '$SHARK' remote status | grep -q 'last error: .*HTTP 500'"
SHARK_REMOTE=$ngx_url/broken on "$root/E" "cat copy.txt"
check "500: the next shell keeps quiet while the server is marked down" [ "$(warnings)" -eq 0 ]

# -- TLS failure (https to a plain HTTP port) and a server that stops answering --
SHARK_REMOTE=https://127.0.0.1:$ngx_port/cache on "$root/S1" "cat in.txt; cat in.txt"
check "TLS failure: the commands ran" [ "$out" = "hello
hello" ]
check "TLS failure: one warning ($err)" [ "$(warnings)" -eq 1 ]
check "TLS failure: store clean" clean "$root/S1"
kill -STOP "$ngx_pid" $(pgrep -P "$ngx_pid")
t0=$(date +%s)
SHARK_REMOTE_TIMEOUT=1 on "$root/S2" "cat in.txt; cat copy.txt"
t1=$(date +%s)
kill -CONT "$ngx_pid" $(pgrep -P "$ngx_pid")
check "frozen server: the commands ran" [ "$out" = "hello
hello" ]
check "frozen server: bounded by the time-out ($((t1 - t0)) s)" [ $((t1 - t0)) -le 4 ]
check "frozen server: one warning ($err)" [ "$(warnings)" -eq 1 ]

# -- corrupt and truncated blobs on the server ----------------------------------------
printf 'precious output %s\n' 1 2 3 4 5 6 7 8 >big.txt
on "$A" "cat big.txt"
push "$A"
blob=$(grep -rl 'precious output' "$ngx_dir/www/cache" | head -1)
check "found the stdout blob on the server" [ -n "$blob" ]
cp "$blob" "$root/blob.good"
sed -i 's/precious/PRECIOUS/' "$blob" # same size, other bytes
on "$root/C1" "cat big.txt"
check "corrupt blob: the command ran" [ "$out" = "$(cat big.txt)" ]
check "corrupt blob: no remote hit" sh -c "! grep -q 'shark: cached' '$root/err'"
check "corrupt blob: one warning ($err)" [ "$(warnings)" -eq 1 ]
check "corrupt blob: nothing imported" [ "$(traces "$root/C1")" -eq 1 ]
check "corrupt blob: no object of it" sh -c "! grep -rlq PRECIOUS '$root/C1/objects'"
check "corrupt blob: store clean" clean "$root/C1"
head -c 40 "$root/blob.good" >"$blob" # truncated
on "$root/C2" "cat big.txt"
check "truncated blob: the command ran" [ "$out" = "$(cat big.txt)" ]
check "truncated blob: one warning" [ "$(warnings)" -eq 1 ]
check "truncated blob: nothing imported" [ "$(traces "$root/C2")" -eq 1 ]
check "truncated blob: store clean" clean "$root/C2"
cp "$root/blob.good" "$blob"
on "$root/C3" "cat big.txt"
check "repaired blob: a remote hit" remote_hit
# garbage where an entry should be
for f in "$ngx_dir"/www/cache/v1/*/ac/*; do printf 'garbage' >"$f"; done
on "$root/C4" "cat big.txt"
check "garbage entry: the command ran" [ "$out" = "$(cat big.txt)" ]
check "garbage entry: one warning" [ "$(warnings)" -eq 1 ]
check "garbage entry: store clean" clean "$root/C4"
push "$A" --all
check "push --all replaces garbage entries" grep -q '^pushed [1-9]' "$root/push"

# -- auth: basic (netrc and URL), bearer ------------------------------------------------
mkdir -p "$root/home"
printf 'machine 127.0.0.1 login shark password hunter2\n' >"$root/home/.netrc"
chmod 600 "$root/home/.netrc"
HOME=$root/home SHARK_REMOTE=$ngx_url/basic on "$root/N1" "/usr/bin/printf 'basic auth\n'"
HOME=$root/home SHARK_REMOTE=$ngx_url/basic push "$root/N1"
rc=$?
check "basic auth (netrc): pushed ($(cat "$root/push"))" [ $rc -eq 0 ]
# (the same HOME: it is part of the action key)
mv "$root/home/.netrc" "$root/netrc.off"
HOME=$root/home SHARK_REMOTE=http://shark:hunter2@127.0.0.1:$ngx_port/basic on "$root/N2" "/usr/bin/printf 'basic auth\n'"
check "basic auth (URL): a remote hit" remote_hit
SHARK_REMOTE=$ngx_url/basic on "$root/N3" "/usr/bin/printf 'basic auth\n'"
check "no credentials: a miss" sh -c "! grep -q 'shark: cached' '$root/err'"
check "no credentials: one warning naming 401" sh -c "[ \"\$(grep -c 'remote cache' '$root/err')\" -eq 1 ] && grep -q 401 '$root/err'"
SHARK_REMOTE=http://shark:wrong@127.0.0.1:$ngx_port/basic on "$root/N4" "/usr/bin/printf 'basic auth\n'"
check "the password never shows in a warning" sh -c "grep -q 'remote cache' '$root/err' && ! grep -q wrong '$root/err'"
SHARK_REMOTE=http://shark:wrong@127.0.0.1:$ngx_port/basic SHARK_STORE=$root/N4 "$SHARK" remote status >"$root/status" 2>&1
check "the password never shows in remote status" sh -c "grep -q '127.0.0.1:$ngx_port/basic' '$root/status' && ! grep -q wrong '$root/status'"
SHARK_REMOTE_TOKEN=sekrit SHARK_REMOTE=$ngx_url/bearer on "$root/T1" "/usr/bin/printf 'bearer\n'"
SHARK_REMOTE_TOKEN=sekrit SHARK_REMOTE=$ngx_url/bearer push "$root/T1"
rc=$?
check "bearer: pushed ($(cat "$root/push"))" [ $rc -eq 0 ]
SHARK_REMOTE_TOKEN=sekrit SHARK_REMOTE=$ngx_url/bearer on "$root/T2" "/usr/bin/printf 'bearer\n'"
check "bearer: a remote hit" remote_hit
SHARK_REMOTE_TOKEN=nope SHARK_REMOTE=$ngx_url/bearer on "$root/T3" "/usr/bin/printf 'bearer\n'"
check "bearer, wrong token: a miss" sh -c "! grep -q 'shark: cached' '$root/err'"

# -- two writers of one action at once ---------------------------------------------------
for round in 1 2 3 4 5; do
	c="head -c 64 /dev/urandom | od -An -tx1 | head -1; echo round $round"
	on "$root/P1" "$c" &
	w=$!
	on "$root/P2.$round" "$c"
	wait $w
	push "$root/P1" &
	w=$!
	push "$root/P2.$round"
	wait $w
	on "$root/P3.$round" "$c"
	check "two writers, round $round: the entry serves a whole trace" remote_hit
	check "two writers, round $round: clean" clean "$root/P3.$round"
done

# -- server killed mid-download --------------------------------------------------------------
head -c $((24 << 20)) /dev/urandom >rand.bin
on "$A" "cp rand.bin rand.copy"
push "$A"
rm -f rand.copy
SHARK_REMOTE=$ngx_url/slow on "$root/K" "cp rand.bin rand.copy" &
job=$!
i=0
while ! grep -q '^GET /slow/.*/cas/' "$ngx_dir/access.log" 2>/dev/null && [ -z "$(ls -A "$root/K/tmp" 2>/dev/null)" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
sleep 0.5
check "mid-download: a blob was being staged" [ -n "$(ls -A "$root/K/tmp")" ]
ngx_kill
wait $job
check "mid-download: the command ran" cmp -s rand.bin rand.copy
check "mid-download: one warning ($err)" [ "$(warnings)" -eq 1 ]
check "mid-download: no remote hit" sh -c "! grep -q 'shark: cached' '$root/err'"
check "mid-download: nothing imported" [ "$(traces "$root/K")" -eq 1 ]
check "mid-download: store clean" clean "$root/K"

# -- server killed mid-upload; the queue waits for it ------------------------------------------
ngx_start "$root/ngx" "$ngx_port"
on "$root/U" "cp rand.bin rand.up" # recorded, queued; its uploader may be running
SHARK_STORE=$root/U "$SHARK" remote push >/dev/null 2>&1 # waits for it: all up
: >"$ngx_dir/access.log"
head -c $((48 << 20)) /dev/urandom >rand2.bin
SHARK_REMOTE_TIMEOUT=2 SHARK_REMOTE= on "$root/U" "cp rand2.bin rand2.up"
# (at 4 MB/s: the body is still coming when the server dies)
SHARK_REMOTE_UPLOAD_LIMIT=4M SHARK_STORE=$root/U "$SHARK" remote push last >"$root/push" 2>&1 &
job=$!
i=0
while [ -z "$(ls -A "$ngx_dir/tmp/body" 2>/dev/null)" ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
sleep 0.3
check "mid-upload: the server was receiving the blob" [ -n "$(ls -A "$ngx_dir/tmp/body")" ]
ngx_kill
wait $job
rc=$?
check "mid-upload: push failed ($(cat "$root/push"))" [ $rc -eq 1 ]
check "mid-upload: the queue keeps the trace" sh -c "SHARK_STORE='$root/U' '$SHARK' remote status | grep -q '^queue: *1 '"
check "mid-upload: no entry is visible without its blob" sh -c "! grep -q '^PUT .*/ac/' '$ngx_dir/access.log'"
ngx_start "$root/ngx" "$ngx_port"
SHARK_STORE=$root/U "$SHARK" remote push >"$root/push" 2>&1
check "mid-upload: a later push sends it ($(cat "$root/push"))" grep -q '^pushed 1 ' "$root/push"
rm -f rand2.up
on "$root/U2" "cp rand2.bin rand2.up"
check "mid-upload: then it serves" remote_hit
check "mid-upload: the effect is whole" cmp -s rand2.bin rand2.up

# -- a remote hit replayed after existing output (>>) and into a pipe ----------------------------
seq 1 20000 >nums.txt
on "$root/A3" "cat nums.txt"
on "$root/A3" "cat nums.txt | wc -l"
push "$root/A3"
printf 'before\n' >app.txt
on "$root/X1" "cat nums.txt >>app.txt"
check "append: a remote hit (stderr: $err)" remote_hit
check "append: the output follows what was there" sh -c "{ echo before; cat nums.txt; } | cmp -s - app.txt"
on "$root/X2" "cat nums.txt | wc -l"
check "pipe: a remote hit (stderr: $err)" remote_hit
check "pipe: the whole output went through" [ "$out" = 20000 ]

# -- the background uploader yields the machine: idle CPU class, nice 19, idle I/O ---------------
head -c $((2 << 20)) /dev/urandom >slow.bin
SHARK_REMOTE_UPLOAD_LIMIT=256K on "$root/P" "cat slow.bin"
pol="" pid=""
i=0
while [ -z "$pid" ] && [ $i -lt 50 ]; do
	for p in $(pgrep -x shark); do
		if cat "/proc/$p/environ" 2>/dev/null | tr '\0' '\n' | grep -qx "SHARK_STORE=$root/P"; then
			pid=$p
		fi
	done
	[ -n "$pid" ] || sleep 0.1
	i=$((i + 1))
done
if [ -n "$pid" ]; then
	pol="$(chrt -p "$pid" 2>&1 | sed -n 's/.*policy: //p') $(awk '{ print $19 }' "/proc/$pid/stat") $(ionice -p "$pid" 2>&1)"
	kill "$pid" 2>/dev/null
fi
check "the uploader runs at idle priority (pid '$pid': $pol)" [ "$pol" = "SCHED_IDLE 19 idle" ]

# -- the queue survives SIGKILL of the shell ------------------------------------------------------
ngx_stop
SHARK_STORE=$root/Q SHARK_NOTICES=1 "$SHARK" -c '/usr/bin/printf "queued\n"; kill -9 $$; echo not reached' >"$root/out" 2>"$root/err"
check "SIGKILL: the command ran before the kill" grep -q '^queued' "$root/out"
ngx_start "$root/ngx" "$ngx_port"
check "SIGKILL: the trace waits in the queue" sh -c "SHARK_STORE='$root/Q' '$SHARK' remote status | grep -q '^queue: *1 '"
SHARK_STORE=$root/Q "$SHARK" remote push >"$root/push" 2>&1
check "SIGKILL: pushed later ($(cat "$root/push"))" grep -q '^pushed 1 ' "$root/push"
on "$root/Q2" '/usr/bin/printf "queued\n"'
check "SIGKILL: then it serves" remote_hit

ngx_stop
finish
