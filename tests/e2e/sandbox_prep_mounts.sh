#!/bin/sh
# sandbox_prep_mounts.sh - the mount tree a prepared pid 1 builds ahead of
# the next command (docs/sandbox.md "Prepared sandboxes"): from the third
# command of a script on, each command runs in a tree built while the one
# before it ran, from the previous command's plan.
#
# 1. The workspace overlay was mounted before the previous command's
#    effects reached the host's workspace: the next command must see them
#    all (new files, a new subdirectory, a changed file, a deleted file and
#    directory), listed, read and stat'ed exactly as bash sees them when it
#    runs the same script unsandboxed.
# 2. A command whose mount part differs from the one predicted (a live
#    command gets the host's /proc) must not run in the predicted tree.
# 3. An extra path (a SHARK_WRITABLE grant) replaced on the host after the
#    tree was built must be bound anew for the command that writes there.
. "$(dirname "$0")/../lib/e2e.sh"

# --- 1: effects of the command before, seen by the next -------------------
cat >"$root/effects.sh" <<'EOF'
cat /dev/null
cat /dev/null
sh -c 'printf "new\n" > new.txt; mkdir -p sub/deeper; printf "deep\n" > sub/deeper/f; printf "more\n" >> changed.txt; rm gone.txt; rm -r gonedir'
cat new.txt sub/deeper/f changed.txt
ls -A
ls -R sub
stat -c '%n %s %F %a' new.txt sub sub/deeper sub/deeper/f changed.txt
ls gone.txt gonedir 2>&1 | sed 's/^[^:]*: //'
sh -c 'test -e gone.txt; echo gone=$?; test -d gonedir; echo gonedir=$?'
find . | sort
EOF
cat >"$root/chain.sh" <<'EOF'
cat /dev/null
cat /dev/null
i=0
while [ $i -lt 12 ]; do
	sh -c "cat count 2>/dev/null | wc -l; echo $i >> count; ls | wc -l; test -e count$i && echo stale"
	if [ $((i % 3)) = 0 ]; then ls | wc -l; fi
	i=$((i + 1))
done
EOF
# The same files in a directory of bash's and one in the workspace.
setup_dir() {
	mkdir -p "$1/gonedir"
	cp "$root/effects.sh" "$root/chain.sh" "$1/"
	printf 'old\n' >"$1/changed.txt"
	printf 'bye\n' >"$1/gone.txt"
	printf 'x\n' >"$1/gonedir/x"
	chmod 644 "$1/changed.txt" "$1/gone.txt"
}
setup_dir "$root/bash"
setup_dir "$ws/t"
(cd "$root/bash" && umask 022 && LC_ALL=C bash effects.sh) >"$root/want" 2>&1
(cd "$ws/t" && umask 022 && LC_ALL=C "$SHARK" effects.sh) >"$root/got" 2>&1
checks=$((checks + 1))
cmp -s "$root/want" "$root/got" ||
	fail "effects of a command, seen by the next: shark differs from bash: $(diff "$root/want" "$root/got")"

# Each command's effects on files the one after reads, many times over
# (each command starts in a tree built during the one before), with a
# pipeline now and then (its stages do not use that tree: it is dropped,
# and its scratch dir removed).
(cd "$root/bash" && LC_ALL=C bash chain.sh) >"$root/want" 2>&1
(cd "$ws/t" && LC_ALL=C "$SHARK" chain.sh) >"$root/got" 2>&1
checks=$((checks + 1))
cmp -s "$root/want" "$root/got" ||
	fail "a chain of commands, each reading the one before's file: $(diff "$root/want" "$root/got")"

# --- 2: a mount part other than the predicted one ---------------------------
# A live command sees the host's /proc (its pid 1 is the host's), the
# commands before it the sandbox's own: predicted from those, the tree
# built ahead has the sandbox's /proc.
host_init=$(cat /proc/1/comm)
sk "cat /dev/null; cat /dev/null; cat /proc/1/comm; SHARK_LIVE=cat cat /proc/1/comm; cat /proc/1/comm"
checks=$((checks + 1))
[ "$out" = "shark-init
$host_init
shark-init" ] || fail "a live command between plain ones: printed [$out] (stderr: $err), want shark-init, $host_init, shark-init"

# Live commands one after the other: the second runs in the tree built
# during the first (the host's /proc, untraced: its tracer thread ended
# and ns_last_pid reset before the tree was built).
sk "cat /dev/null; cat /dev/null; SHARK_LIVE=cat cat /proc/1/comm; SHARK_LIVE=cat cat /proc/1/comm; SHARK_LIVE=cat cat /proc/1/comm"
checks=$((checks + 1))
[ "$out" = "$host_init
$host_init
$host_init" ] || fail "live commands one after the other: printed [$out] (stderr: $err)"

# --- 3: a grant replaced on the host after the tree was built -------------
# The tree built during `sleep` binds the grant's directory as it was then;
# the directory is then replaced (moved away, made anew): the next command's
# write must land in the new one, as it does for a pid 1 that binds it at
# the run.
grant=$root/grant
mkdir -p "$grant"
SHARK_WRITABLE=$grant sk "cat /dev/null; cat /dev/null; sh -c 'sleep 0.3'; host mv $grant $grant.old; host mkdir $grant; sh -c 'echo written > $grant/f'; echo st=\$?"
checks=$((checks + 1))
[ "$(cat "$grant/f" 2>/dev/null)" = written ] && [ ! -e "$grant.old/f" ] ||
	fail "a grant replaced after the tree was built: not written there (out [$out], stderr [$err], old: $(ls "$grant.old"))"

# --- 4: no tree built ahead outlives the shell ------------------------------
# A tree is built during a command for the one after it, on a scratch dir
# of its own. When no run takes it (the last command hit, or a subshell's
# builtin ends the process), the process leaves by _exit, without atexit:
# the dir must still go (it held root, upper and work, and no result).
for script in "cat /dev/null; cat /dev/null; sh -c 'sleep 0.2'; cat /dev/null" \
	"cat /dev/null; cat /dev/null; sh -c 'sleep 0.2'; (echo sub)"; do
	rm -rf "$root/store4"
	SHARK_STORE=$root/store4 "$SHARK" -c "$script" >/dev/null 2>&1
	sleep 0.3
	left=
	for d in "$root"/store4/scratch/run.*; do
		[ -d "$d" ] && [ ! -e "$d/result" ] && left="$left $(ls "$d" | tr '\n' ' ')"
	done
	checks=$((checks + 1))
	[ -z "$left" ] || fail "[$script]: a scratch dir no run took was left: $left"
done

# --- 5: the sandbox's own tree is not copied into it ------------------------
# The tree is built at <scratch>/root on the host's view, and the extra
# paths are bound recursively from that view: the store (always) and a
# grant that holds it would each copy the tree built so far into the
# sandbox, below the scratch area's hide. A command's mount table lists
# no mount below the scratch area (the hide itself is at the area), for a
# one-shot, for a script's command run in a tree built ahead, and for a
# pipeline's stage; a file written in the grant still reaches the host.
g=$root/g
mkdir -p "$g"
below() { awk -v a="$g/store/scratch/" 'index($5, a) == 1 { n++ } END { print n + 0 }' "$@"; }
SHARK_STORE=$g/store SHARK_WRITABLE=$g "$SHARK" -c \
	"nocache cat /proc/self/mountinfo > $g/one; cat /dev/null; cat /dev/null; nocache cat /proc/self/mountinfo > $g/ahead; nocache cat /proc/self/mountinfo | cat > $g/stage; sh -c 'echo granted > $g/w'" \
	>"$root/out" 2>"$root/err"
checks=$((checks + 1))
[ "$(cat "$g/w" 2>/dev/null)" = granted ] || fail "a write in the grant did not reach the host (stderr: $(cat "$root/err"))"
for f in one ahead stage; do
	checks=$((checks + 1))
	[ -s "$g/$f" ] && [ "$(below "$g/$f")" = 0 ] ||
		fail "mounts below the scratch area in the sandbox ($f): $(below "$g/$f" 2>&1) (stderr: $(cat "$root/err"))"
done

finish
