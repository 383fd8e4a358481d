#!/bin/sh
# memo_relocate.sh - relocatable traces (issue 18): the same commands over
# the same content in a copy of the workspace at another path (cp -a, mv,
# a bundle imported into a fresh store) hit, with output and files
# byte-identical to a real run there; a changed input in the copy misses.
# Soundness first: a command whose result shows the workspace's absolute
# location (pwd, $PWD, realpath, getcwd, readlink -f, a file or symlink
# naming it, a file it read naming it) never replays the old location:
# each prints what bash prints in the copy.
. "$(dirname "$0")/../lib/e2e.sh"
unset SHARK_WORKSPACE # the workspace is the git top-level: moves with it
PY=/usr/bin/python3

p1=$root/home/proj
mkdir -p "$p1/.git" "$p1/sub" "$p1/out"
printf '3\n1\n2\n10\n' >"$p1/n"
printf 'b\na\n' >"$p1/sub/s"
cat >"$p1/gen.py" <<'EOF'
import os
os.makedirs("out", exist_ok=True)
with open("out/g.txt", "w") as f:
    f.write("".join(sorted(open("n").read().split("\n"))) + "\n")
EOF

# in_dir DIR SCRIPT: run SCRIPT under shark in DIR ($out, $err, $st)
in_dir() {
	(cd "$1" && SHARK_NOTICES=1 "$SHARK" -c "$2" </dev/null >"$root/out" 2>"$root/err")
	st=$?
	out=$(cat "$root/out")
	err=$(cat "$root/err")
}

# tree DIR: every file under DIR (but .git) with its content, symlinks
# with their targets
tree() {
	(cd "$1" && find . -path ./.git -prune -o -print | LC_ALL=C sort | while read -r f; do
		if [ -L "$f" ]; then printf '%s -> %s\n' "$f" "$(readlink "$f")"
		elif [ -f "$f" ]; then printf '%s %s\n' "$f" "$(od -An -c "$f" | tr -d ' \n')"
		else printf '%s\n' "$f"; fi
	done)
}

# run_like_bash NAME DIR SCRIPT: run SCRIPT in DIR under shark, and under
# bash in DIR as it was before (at the same path, the shark result moved
# aside meanwhile): same stdout, status and files
run_like_bash() {
	rm -rf "$root/save" "$root/sres"
	cp -a "$2" "$root/save"
	in_dir "$2" "$3"
	tree "$2" >"$root/stree"
	mv "$2" "$root/sres" && mv "$root/save" "$2"
	bout=$(cd "$2" && bash -c "$3" </dev/null 2>/dev/null)
	bst=$?
	tree "$2" >"$root/btree"
	rm -rf "$2" && mv "$root/sres" "$2"
	checks=$((checks + 1))
	[ "$out" = "$bout" ] && [ "$st" = "$bst" ] ||
		fail "$1: shark printed [$out] status $st, bash [$bout] status $bst"
	checks=$((checks + 1))
	cmp -s "$root/stree" "$root/btree" ||
		fail "$1: files differ from bash's: $(diff "$root/stree" "$root/btree" | head -4)"
}

# each FILE CMD...: CMD "$line" for every line of FILE (in this shell, so
# the counters add up)
each() {
	f=$1
	shift
	while IFS= read -r line <&3; do
		"$@" "$line"
	done 3<"$f"
}

cat >"$root/relocatable" <<EOF
sort n
sort -r n | tr 1 x
$PY gen.py; cat out/g.txt
cat "\$PWD/n"
sort -n n | head -n 2 >out/h.txt
EOF

# ---- record in proj ------------------------------------------------------------
record() { run_like_bash "record: $2" "$1" "$2"; }
each "$root/relocatable" record "$p1"
run_like_bash "record in a subdirectory" "$p1/sub" 'sort s; cat ../n'
in_dir "$p1" 'sort n'
expect_hit "same place: sort n"

# ---- cp -a: the same store hits ------------------------------------------------
p2=$root/home/proj2
cp -a "$p1" "$p2"
rm -f "$p2/out/g.txt" "$p2/out/h.txt"
hits() {
	run_like_bash "$1: $3" "$2" "$3"
	expect_hit "$1: $3"
}
each "$root/relocatable" hits "cp -a" "$p2"
hits "cp -a, subdirectory" "$p2/sub" 'sort s; cat ../n'

# a changed input in the copy misses, and gives the copy's result
printf '5\n4\n' >"$p2/n"
run_like_bash "changed input" "$p2" 'sort n'
expect_miss "changed input"

# ---- mv: the moved workspace hits ----------------------------------------------
p3=$root/elsewhere/p3
mkdir -p "$root/elsewhere"
cp -a "$p1" "$root/home/projm"
mv "$root/home/projm" "$p3"
rm -f "$p3/out/g.txt"
hits "mv" "$p3" "$PY gen.py; cat out/g.txt"
hits "mv, subdirectory" "$p3/sub" 'sort s; cat ../n'

# ---- why -c and verify -c in the moved copy: by key, not by text ---------------
# (the recorded run is `sort n` in proj: another directory, another text;
# stdin, stdout and stderr as in_dir has them, which are in the key)
cli_in() { # DIR WANT-STATUS WANT-LINE CLI-ARGS...
	d=$1 want=$2 line=$3
	shift 3
	(cd "$d" && "$SHARK" "$@" </dev/null >"$root/o" 2>"$root/e")
	got=$?
	checks=$((checks + 1))
	[ "$got" -eq "$want" ] && grep -q "$line" "$root/o" ||
		fail "$* in $d: status $got, [$(cat "$root/o" "$root/e" | tr "\n" " ")]"
}
cli_in "$p3" 0 'would hit' why -c "sort 'n'"
cli_in "$p3" 0 'deterministic$' verify -c "sort 'n'"
cli_in "$p3" 0 'deterministic$' verify -c 'sort [n]'
cli_in "$p3" 1 'never recorded' verify -c 'sort n.none'

# ---- export, import into a fresh store, a fresh copy: hits ---------------------
(cd "$p1" && "$SHARK" export --all -o "$root/b.tar") >/dev/null ||
	fail "export --all"
p4=$root/other/proj4
mkdir -p "$root/other"
cp -a "$p1" "$p4"
rm -f "$p4/out/g.txt"
SHARK_HASH_KEY_FILE=$store/key SHARK_STORE=$root/fresh "$SHARK" import "$root/b.tar" >/dev/null ||
	fail "import into a fresh store"
export SHARK_STORE=$root/fresh
hits "imported" "$p4" 'sort -r n | tr 1 x'
hits "imported" "$p4" "$PY gen.py; cat out/g.txt"
hits "imported, subdirectory" "$p4/sub" 'sort s; cat ../n'
export SHARK_STORE=$store

# ---- lineage --script from a copy: words naming the root become "$root" ------
printf 'p1\n' >"$p1/c.src"
in_dir "$p1" 'cp "$PWD/c.src" out/c.txt'
(cd "$p1" && "$SHARK" lineage --script out/c.txt >"$root/re.sh" 2>"$root/e")
checks=$((checks + 1))
grep -q '"\$root"' "$root/re.sh" || fail "lineage --script names the root as \$root: $(cat "$root/re.sh" "$root/e")"
p6=$root/home/proj6
cp -a "$p1" "$p6"
rm -f "$p6/out/c.txt"
printf 'p6\n' >"$p6/c.src"
sh "$root/re.sh" "$p6" >"$root/rs.out" 2>&1
checks=$((checks + 1))
[ "$(cat "$p6/out/c.txt" 2>/dev/null)" = p6 ] ||
	fail "the script rebuilt out/c.txt from the copy's c.src: [$(cat "$p6/out/c.txt" 2>&1)] $(cat "$root/re.sh" "$root/rs.out" | tr "\n" " ")"

# ---- what relocation made visible across workspaces: the umask decides the
# modes of created files, and a replay leaves a shared stdin's offset where
# the real run left it (both were wrong on a second run in one place too)
umask_run() { # DIR MASK
	rm -f "$1/um"
	in_dir "$1" "umask $2; touch um; ls -l um | cut -c1-10"
}
umask_run "$p1" 077
expect_out "umask 077" "-rw-------"
umask_run "$p2" 022
expect_out "umask 022 in the copy: not the 077 run's mode" "-rw-r--r--"
umask_run "$p1" 022
expect_out "umask 022 where 077 ran" "-rw-r--r--"
for d in "$p1" "$p2" "$p1"; do
	run_like_bash "a shared stdin's offset in $d" "$d" 'echo data >f3; exec 3<f3; cat <&3; cat <&3; echo after'
done

# a cwd reached through a symlink is keyed by where it leads (the engine
# gets the physical cwd): in a copy
# whose link leads elsewhere, the command reads the other file
mkdir -p "$root/ext1" "$root/ext2"
echo one >"$root/ext1/f"
echo two >"$root/ext2/f"
ln -s "$root/ext1" "$p1/link"
run_like_bash "cwd through a symlink" "$p1" 'cd link && cat f'
p7=$root/home/proj7
cp -a "$p1" "$p7"
ln -sfn "$root/ext2" "$p7/link"
run_like_bash "cwd through a symlink, copy leading elsewhere" "$p7" 'cd link && cat f'
expect_miss "cwd through a symlink, copy leading elsewhere"
rm "$p1/link"

# ---- soundness: the location never replays ------------------------------------
ln -s n "$p1/x"
printf 'same\n' >"$p1/data"
printf '%s/data\n' "$p1" >"$p1/cfg" # names proj's data by its absolute path
cat >"$root/bound" <<'EOF'
/bin/pwd
sh -c 'echo $PWD'
realpath n
readlink -f x
PY -c 'import os;print(os.getcwd())'
basename "$PWD"
PY -c 'import os;open("out/where.txt","w").write(os.getcwd()+"\n")'; cat out/where.txt
ln -sf "$(pwd)/n" out/abs; readlink out/abs
sh -c 'cat "$(cat cfg)"'
EOF
sed -i "s#^PY #$PY #" "$root/bound"
bound_here() {
	run_like_bash "bound, record: $1" "$p1" "$1"
	in_dir "$p1" "$1"
	expect_hit "bound, same place: $1"
}
each "$root/bound" bound_here
p5=$root/home/proj5
cp -a "$p1" "$p5"
rm -f "$p5/out/where.txt" "$p5/out/abs"
printf 'changed\n' >"$p1/data" # cfg in proj5 still names proj's data
cli_in "$p5" 1 'served only there' why -c 'realpath n'
bound_copy() {
	run_like_bash "bound, copy: $1" "$p5" "$1"
	expect_miss "bound, copy: $1"
}
each "$root/bound" bound_copy
# bound to the copy now: they hit there
bound_again() {
	case $1 in *cfg*) return ;; esac # proj's data is not the copy's
	in_dir "$p5" "$1"
	expect_hit "bound, copy again: $1"
}
each "$root/bound" bound_again

# A file read clean by one command and rewritten to name the workspace
# before the next one in the same shell: the next run that reads it is
# bound (the process remembers contents found clean, never a path).
prw=$root/home/projrw
mkdir -p "$prw/.git"
in_dir "$prw" 'printf "plain\n" >cfg6; sh -c "wc -c <cfg6; : six"; printf "%s/n\n" "$PWD" >cfg6; sh -c "wc -c <cfg6; : six"'
checks=$((checks + 1))
[ "$out" = "6
$((${#prw} + 3))" ] || fail "rewritten between two commands: printed [$out] ($err)"
prw2=$root/home/projrw2
cp -a "$prw" "$prw2"
in_dir "$prw2" 'sh -c "wc -c <cfg6; : six"'
expect_miss "a file rewritten to name the workspace after a clean read binds the run"

# The contents a recording found clean are kept in the store for later
# shell processes (<store>/clean/, per workspace): a file rewritten to name
# the workspace between two shells has another content, is read again,
# and binds the next run that reads it.
pcl=$root/home/projcl
mkdir -p "$pcl/.git"
printf 'plain\n' >"$pcl/cfg7"
in_dir "$pcl" 'sh -c "wc -c <cfg7; : seven"'
checks=$((checks + 1))
ls "$store/clean/"* >/dev/null 2>&1 || fail "no clean file was kept in the store ($err)"
printf '%s/n\n' "$pcl" >"$pcl/cfg7"
in_dir "$pcl" 'sh -c "wc -c <cfg7; : seven again"'
expect_out "rewritten between two shells" "$((${#pcl} + 3))"
pcl2=$root/home/projcl2
cp -a "$pcl" "$pcl2"
in_dir "$pcl2" 'sh -c "wc -c <cfg7; : seven again"'
expect_miss "a file rewritten to name the workspace between two shells binds the run"
# a damaged clean file (not a whole number of entries) is dropped, not used
for f in "$store/clean/"*; do printf 'xyz' >>"$f"; done
printf 'plain\n' >"$pcl/cfg7"
in_dir "$pcl" 'sh -c "wc -c <cfg7; : seven, damaged"'
expect_out "a damaged clean file" 6
printf '%s/n\n' "$pcl" >"$pcl/cfg7"
rm -rf "$pcl2" && cp -a "$pcl" "$pcl2"
in_dir "$pcl" 'sh -c "wc -c <cfg7; : seven, damaged again"'
in_dir "$pcl2" 'sh -c "wc -c <cfg7; : seven, damaged again"'
expect_miss "after a damaged clean file, a file naming the workspace still binds"

# ... and a later shell does not read again an input whose content was
# found clean (seen from the shell's own system calls: its main thread
# opens the file only to look for the workspace's path; the command in
# its sandbox is not traced)
if command -v strace >/dev/null 2>&1; then
	head -c 300000 /dev/zero | tr '\0' 'z' >"$pcl/big7"
	sleep 0.2 # past the stat cache's racy window
	in_dir "$pcl" 'cat big7 | wc -c'
	(cd "$pcl" && strace -o "$root/strace7" -e trace=open,openat "$SHARK" -c 'cat ./big7 | wc -c' \
		</dev/null >"$root/out" 2>"$root/err")
	checks=$((checks + 1))
	[ "$(cat "$root/out")" = 300000 ] || fail "cat ./big7 | wc -c printed [$(cat "$root/out")]"
	checks=$((checks + 1))
	grep -q 'big7' "$root/strace7" &&
		fail "a later shell read again an input found clean: $(grep big7 "$root/strace7" | head -2)"
else
	echo "strace not found: the no-second-read check is skipped"
fi

# An entry of one workspace's clean file means nothing in another's: B's
# list (where a file naming A is clean) copied into A's must not let A's
# run that reads it be served in a copy of A (review of the clean file).
pxa=$root/home/projxa
pxb=$root/home/projxb
mkdir -p "$pxa/.git" "$pxb/.git"
for d in "$pxa" "$pxb"; do printf '%s/data\n' "$pxa" >"$d/conf"; done
printf 'one\n' >"$pxa/data"
ls "$store/clean" >"$root/clean0" 2>/dev/null || : >"$root/clean0"
in_dir "$pxa" 'cat data; : xa'
ls "$store/clean" >"$root/clean1"
in_dir "$pxb" 'cat conf; : xb'
ls "$store/clean" >"$root/clean2"
fa=$(comm -13 "$root/clean0" "$root/clean1")
fb=$(comm -13 "$root/clean1" "$root/clean2")
checks=$((checks + 1))
if [ -n "$fa" ] && [ -n "$fb" ]; then
	cat "$store/clean/$fb" >>"$store/clean/$fa"
	in_dir "$pxa" 'sh -c "cat \"\$(cat conf)\""'
	cp -a "$pxa" "$root/home/projxa2"
	printf 'two\n' >"$pxa/data"
	in_dir "$root/home/projxa2" 'sh -c "cat \"\$(cat conf)\""'
	expect_out "another workspace's clean entries bind nothing here (bash: two)" two
else
	fail "no clean file per workspace: [$fa] [$fb]"
fi

finish
