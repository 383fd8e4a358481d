#!/bin/sh
# memo_scratch.sh - a run's scratch dir (<store>/scratch/run.*: its overlay
# layers, the captured /tmp layer, its result) is removed once the run is
# recorded, by this shell's background thread, or by a later shell's sweep
# when the shell exited first (sandbox/reaper.c). A left-over tmp-upper
# made every removal fail, so each run left its dir behind; so did a
# directory the command made read-only (unprivileged).
. "$(dirname "$0")/../lib/e2e.sh"

# Run dirs other than the emptied skeletons (work, root, an empty result)
# a shell keeps for its later runs: at most four of those per shell
# (shark/memo/scratch.c), counted apart.
count() {
	n=0
	for d in "$store"/scratch/run.*; do
		[ -d "$d" ] || continue
		case $(ls -A "$d" | tr '\n' ' ') in
		"root work " | "result root work ")
			[ -z "$(ls -A "$d/work")$(ls -A "$d/root")" ] && [ ! -s "$d/result" ] && continue ;;
		esac
		n=$((n + 1))
	done
	echo "$n"
}
skeletons() { ls "$store/scratch" | grep -c '^run\.' | { read -r all; echo $((all - $(count))); }; }

# Runs that write to /tmp and leave read-only directories, then one that
# lasts two seconds: by its end the background thread has removed the
# others' dirs; only the last two may still be there at the exit (the one
# before the last is released when its records are committed, during the
# last one: memo.md "Durability").
sk "echo a > /tmp/x; cat /tmp/x; sh -c 'mkdir /tmp/ro$$ d && touch /tmp/ro$$/f d/f && chmod 555 /tmp/ro$$ d'; ls /tmp >/dev/null; echo b | cat >/dev/null; sh -c 'sleep 2'"
n=$(count)
checks=$((checks + 1))
[ "$n" -le 2 ] || fail "a script's runs left $n scratch dirs: $(ls -A "$store/scratch"/run.* | head -20)"
n=$(skeletons)
checks=$((checks + 1))
[ "$n" -le 4 ] || fail "a script's shell kept $n skeletons"
chmod 755 "$ws/d" 2>/dev/null
rm -rf "$ws/d"

# What an exited shell left is swept by the next one once it is quiet
# (while that one's second command runs: the sweep is its thread's too).
sk "sh -c 'mkdir /tmp/ro2$$ && touch /tmp/ro2$$/f && chmod 555 /tmp/ro2$$'"
touch -d '1 min ago' "$store/scratch"/run.* 2>/dev/null
sk "cat /etc/hostname | wc -c; sh -c 'sleep 2'"
n=$(count)
checks=$((checks + 1))
[ "$n" -le 2 ] || fail "the next shell's sweep left $n scratch dirs"
# (the skeletons the earlier shells kept are swept too: nothing old stays)
n=$(find "$store/scratch" -maxdepth 1 -name 'run.*' -mmin +0.5 | wc -l)
checks=$((checks + 1))
[ "$n" = 0 ] || fail "the next shell's sweep left $n old scratch dirs"

# Scratch dirs outside the store (the store inside the workspace) where
# they cannot be made: the command does not run, the shell says why and
# goes on (it crashed in the failed set-up's clean-up).
mkdir -p "$ws/.store-in"
TMPDIR=$root/nonexistent SHARK_STORE=$ws/.store-in sk 'cat /etc/hostname; echo "st=$?"'
checks=$((checks + 1))
[ "$out" = "st=126" ] || fail "an unusable scratch base: printed [$out], want st=126 ($err)"
checks=$((checks + 1))
printf '%s' "$err" | grep -q "scratch dirs go there" || fail "an unusable scratch base is not named: $err"
# The same for a pipeline, whose stages' scratch dirs are made one by one
# as they start (run.c, start_all): nothing runs, and it is said once.
TMPDIR=$root/nonexistent SHARK_STORE=$ws/.store-in sk 'cat /etc/hostname | cat | wc -c; echo "st=$?"'
checks=$((checks + 1))
[ "$out" = "st=126" ] || fail "a pipeline, unusable scratch base: printed [$out], want st=126 ($err)"
checks=$((checks + 1))
n=$(printf '%s\n' "$err" | grep -c "scratch dirs go there")
[ "$n" = 1 ] || fail "a pipeline's unusable scratch base said $n times, not once: $err"
rm -rf "$ws/.store-in"

finish
