#!/bin/sh
# memo_scratch.sh - a run's scratch dir (<store>/scratch/run.*: its overlay
# layers, the captured /tmp layer, its result) is removed once the run is
# recorded, by this shell's background thread, or by a later shell's sweep
# when the shell exited first (sandbox/reaper.c). A left-over tmp-upper
# used to make every removal fail, so each run left its dir behind.
. "$(dirname "$0")/../lib/e2e.sh"

count() { ls "$store/scratch" | grep -c '^run\.' ; }

# Six runs, one of which writes to /tmp: at most the last two are still
# being removed when the shell exits.
sk 'echo a > /tmp/x; cat /tmp/x; cat /etc/hostname >/dev/null; ls /tmp >/dev/null; echo b | cat >/dev/null; ls -d / >/dev/null; head -1 /etc/passwd >/dev/null'
n=$(count)
checks=$((checks + 1))
[ "$n" -le 2 ] || fail "a script of six runs left $n scratch dirs: $(ls -A "$store/scratch"/run.* | head -20)"

# A command that leaves read-only directories (in the workspace and in
# /tmp) leaves nothing behind either.
sk "sh -c 'mkdir /tmp/ro$$ d && touch /tmp/ro$$/f d/f && chmod 555 /tmp/ro$$ d'; ls >/dev/null; cat /etc/hostname >/dev/null"
n=$(count)
checks=$((checks + 1))
[ "$n" -le 2 ] || fail "read-only directories kept $n scratch dirs"
chmod 755 "$ws/d" 2>/dev/null; rm -rf "$ws/d"
touch -d '1 min ago' "$store/scratch"/run.* 2>/dev/null
sk 'true'
i=0
while [ "$(count)" -gt 1 ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done

# What an exited shell left is swept by the next one once it is quiet.
touch -d '1 min ago' "$store/scratch"/run.* 2>/dev/null
sk 'cat /etc/hostname | wc -c'
i=0
while [ "$(count)" -gt 1 ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
n=$(count)
checks=$((checks + 1))
[ "$n" -le 1 ] || fail "the next shell's sweep left $n scratch dirs"

finish
