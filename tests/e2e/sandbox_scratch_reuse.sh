#!/bin/sh
# sandbox_scratch_reuse.sh - a shell's finished runs' scratch dirs are
# emptied back to skeletons and reused by its later runs (sandbox/reaper.c
# sandbox_scratch_recycle_async, shark/memo/scratch.c). A reused one must
# never show a run what an earlier run left: after each command that
# changes the workspace or /tmp in a way the overlay records specially (new
# files, a whiteout, an opaque directory, the workspace root's mode, a user
# xattr on the overlay's root and on a directory, a run killed half-way),
# the next sandboxed command sees exactly what the host shows (the same
# commands under `host`). Job children (a pipeline with a builtin stage, a
# background subshell) reuse nothing of their shell's.
. "$(dirname "$0")/../lib/e2e.sh"

tmpd=/tmp/shark-reuse.$$
trap 'chmod -R u+rwx "$root" 2>/dev/null; rm -rf "$root" "$tmpd"' EXIT
mkdir "$tmpd"
echo b > b
mkdir keep
echo k > keep/k

# What a command may see of the workspace and /tmp: every entry with its
# type, mode, user xattrs and content, in one process (python3's: there is
# no getfattr on every host). The workspace root's own line goes to
# stderr, checked apart: its mode is the host's in every run.
cat > "$root/look.py" <<'PY'
import os, stat, sys
def show(p):
    st = os.lstat(p)
    xs = sorted(x for x in os.listxattr(p, follow_symlinks=False) if x.startswith("user."))
    line = "%s %o %s %s" % (p, stat.S_IMODE(st.st_mode), stat.filemode(st.st_mode)[0], xs)
    if stat.S_ISREG(st.st_mode):
        line += " " + repr(open(p, "rb").read())
    print(line)
for top in (".", sys.argv[1]):
    for d, dirs, files in os.walk(top):
        dirs.sort()
        for n in sorted(dirs + files):
            show(os.path.join(d, n))
show(sys.argv[1])
print("root %s %o" % (os.listxattr("."), stat.S_IMODE(os.lstat(".").st_mode)), file=sys.stderr)
PY
look="python3 $root/look.py $tmpd"

# One shell: each change, then a look from the host and three from inside
# (nocache: never a hit from the store; three, since a dir comes back to
# be reused a run or two later); each must be the host's. Leftovers that
# are not applied to the workspace (xattrs, a killed run's writes, the
# root's mode) are what a dirty reuse would show.
i=0
script=
step() {
	i=$((i + 1))
	script="$script
$1
host $look > $root/host.$i 2>/dev/null
nocache $look > $root/in.$i.1 2>>$root/root.in
nocache $look > $root/in.$i.2 2>>$root/root.in
nocache $look > $root/in.$i.3 2>>$root/root.in"
}
step "sh -c 'echo one > a; mkdir -p d/e; echo two > d/e/f; echo t > $tmpd/t'"
step "rm b"
step "sh -c 'rm -r keep; mkdir keep; echo new > keep/n'"
step "chmod 700 ."
step "python3 -c 'import os; os.setxattr(\".\", \"user.reuse\", b\"1\"); os.setxattr(\"d\", \"user.reuse\", b\"2\")'"
step "SHARK_TIMEOUT=1 sh -c 'echo half > killed; mkdir kd; echo x > $tmpd/k; sleep 5'"
step "chmod 755 ."
step "sh -c 'rm -r d; echo end > a'"
sk "$script"
n=1
while [ "$n" -le "$i" ]; do
	for l in 1 2 3; do
		checks=$((checks + 1))
		if ! cmp -s "$root/in.$n.$l" "$root/host.$n"; then
			fail "step $n: run $l after it saw another view than the host's: $(diff "$root/host.$n" "$root/in.$n.$l" | head -10)"
		fi
	done
	n=$((n + 1))
done
checks=$((checks + 1))
[ -s "$root/in.$i.3" ] || fail "the looks printed nothing ($err)"
# The workspace root from inside: no xattr, and the host's mode in every
# run (a chmod or a setxattr of it by an earlier run is not carried over;
# before, it showed the fresh upper dir's 0700).
checks=$((checks + 1))
[ "$(sort -u "$root/root.in")" = "root [] $(stat -c %a "$ws")" ] ||
	fail "the workspace root seen from inside changed between runs: $(sort "$root/root.in" | uniq -c)"

# pid 1 killed from outside, half-way through a run that wrote: the next
# runs of that shell see the host's view.
sk_bg() {
	SHARK_NOTICES=1 "$SHARK" -c "$1" >"$root/out" 2>"$root/err" &
	bg=$!
}
sk_bg "sh -c 'echo gone > killed2; mkdir kd2; sleep 30'; nocache $look > $root/in.k 2>/dev/null; host $look > $root/host.k 2>/dev/null; nocache $look > $root/in.k2 2>/dev/null"
k=0
while [ $k -lt 100 ]; do
	init=$(pgrep -P "$bg" -f shark-init | head -1)
	[ -n "$init" ] && [ -n "$(pgrep -P "$init")" ] && break
	sleep 0.1
	k=$((k + 1))
done
sleep 0.3
[ -n "$init" ] && kill -9 "$init"
wait "$bg"
checks=$((checks + 1))
[ -n "$init" ] || fail "no pid 1 found to kill"
checks=$((checks + 1))
cmp -s "$root/in.k" "$root/host.k" && cmp -s "$root/in.k2" "$root/host.k" ||
	fail "after a killed pid 1: $(diff "$root/host.k" "$root/in.k" | head -10)"

# Job children: a pipeline with a builtin stage, a background subshell,
# each running commands in the child while the shell runs its own.
echo j > j
sk "printf 'x\n' | sh -c 'echo p > p1; cat'; (sh -c 'echo q > q1; cat j') & sh -c 'echo r > r1'; wait; cat p1 q1 r1; nocache $look > $root/in.j 2>/dev/null; host $look > $root/host.j 2>/dev/null"
checks=$((checks + 1))
[ "$out" = "x
j
p
q
r" ] || fail "job children: printed [$out] ($err)"
checks=$((checks + 1))
cmp -s "$root/in.j" "$root/host.j" || fail "after job children: $(diff "$root/host.j" "$root/in.j" | head -10)"

# The dirs are reused: a script of 20 runs, watched from outside, goes
# through a few scratch dirs, not one per run (a store of its own: no
# other shell's leftovers).
: > "$root/names"
store=$root/store2
SHARK_STORE=$store "$SHARK" -c "for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do nocache sh -c 'sleep 0.2'; done" &
bg=$!
while kill -0 "$bg" 2>/dev/null; do
	ls "$store/scratch" >> "$root/names" 2>/dev/null
	sleep 0.05
done
wait "$bg"
distinct=$(grep '^run\.' "$root/names" | sort -u | wc -l)
checks=$((checks + 1))
[ "$distinct" -le 8 ] || fail "20 runs went through $distinct scratch dirs"
# What a shell leaves at its exit is skeletons (empty work and root, an
# emptied result) or its last run's dir, swept by a later shell like any
# leftover.
checks=$((checks + 1))
left=0
for d in "$store"/scratch/run.*; do
	[ -d "$d" ] || continue
	case $(ls -A "$d" | tr '\n' ' ') in
	"root work " | "result root work ") ;;
	*) left=$((left + 1)); continue ;;
	esac
	[ -z "$(ls -A "$d/root" "$d/work" 2>/dev/null | grep -v ':$' | grep .)" ] &&
		[ ! -s "$d/result" ] || left=$((left + 1))
done
[ "$left" -le 1 ] || fail "$left scratch dirs that are not skeletons left: $(ls -A "$store"/scratch/run.* | head -20)"

# A /tmp copy planted in a kept skeleton (as another shell's command could
# through its /tmp or $TMPDIR) is never taken for a run's own /tmp writes:
# not applied, not recorded, so a later hit does not bring it back.
plant=/tmp/shark-planted.$$
rm -f "$plant"
plant_in="host sh -c 'for d in $SHARK_STORE/scratch/run.*; do mkdir -p \$d/tmp-upper; echo evil > \$d/tmp-upper/${plant#/tmp/}; done'"
script="nocache true; nocache true; nocache true"
for k in 1 2 3 4 5 6; do
	script="$script
$plant_in
sh -c 'echo planted-check-$k' > pl$k.txt"
done
sk "$script"
checks=$((checks + 1))
[ ! -e "$plant" ] || fail "a planted /tmp copy was applied: $(cat "$plant")"
rm -f "$plant" pl?.txt
sk "for k in 1 2 3 4 5 6; do sh -c \"echo planted-check-\$k\" > pl\$k.txt; done"
checks=$((checks + 1))
[ ! -e "$plant" ] || fail "a planted /tmp copy was recorded: a hit brought it back"
[ "$(cat pl6.txt 2>&1)" = planted-check-6 ] ||
	fail "the runs after the planting did not write their files: $(cat pl6.txt 2>&1)"
rm -f "$plant"

finish
