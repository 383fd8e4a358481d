#!/bin/sh
# memo_bound_seams.sh - the location-bound rule (docs/memo.md "Relocation")
# where the text naming the workspace is cut in two: an output that reaches
# the engine in two pieces (two writes with a pause between: the relay,
# which looks for the workspace's path as it passes the output on, sees
# them apart) and a file read in chunks with the path across a chunk's end.
# A run whose output or input names the workspace must miss in a copy of
# it (and print there what bash prints); a run whose output only holds the
# workspace's name glued to another letter is relocatable and hits there.
. "$(dirname "$0")/../lib/e2e.sh"
unset SHARK_WORKSPACE # the workspace is the git top-level: moves with it

p1=$root/home/projseam
mkdir -p "$p1/.git"
printf 'same\n' >"$p1/data"
# a file that names proj's data by its absolute path, the path across the
# 64 KiB mark where a chunked read of the file is cut (and across 1 MiB)
for cut in 65536 1048576; do
	head -c $((cut - 7)) /dev/zero | tr '\0' '#' >"$p1/cfg$cut"
	printf '\n%s/data\n' "$p1" >>"$p1/cfg$cut"
done

# in_dir DIR SCRIPT: run SCRIPT under shark in DIR ($out, $err, $st)
in_dir() {
	(cd "$1" && SHARK_NOTICES=1 "$SHARK" -c "$2" </dev/null >"$root/out" 2>"$root/err")
	st=$?
	out=$(cat "$root/out")
	err=$(cat "$root/err")
}
# dir_like_bash NAME DIR SCRIPT: shark's stdout in DIR equals bash's there
dir_like_bash() {
	in_dir "$2" "$3"
	bout=$(cd "$2" && bash -c "$3" </dev/null 2>/dev/null)
	checks=$((checks + 1))
	[ "$out" = "$bout" ] || fail "$1: shark printed [$out], bash [$bout] ($err)"
}

# The scripts: the workspace's path on stdout in two writes cut inside it;
# on stderr likewise; its last component as a word cut in two; the file
# naming the workspace, read whole by the command. Each output goes on
# past the cut for longer than any path, so that the last window of the
# stream (the bytes kept across a cut) does not hold the cut.
cat >"$root/bound" <<'EOF'
sh -c 'printf %s "${PWD%??}"; sleep 0.3; printf "%s\n%6000s\n" "${PWD#"${PWD%??}"}" ""'
sh -c 'printf %s "${PWD%??}" >&2; sleep 0.3; printf "%s\n%6000s\n" "${PWD#"${PWD%??}"}" "" >&2; echo err'
sh -c 'b=${PWD##*/}; printf "at %s" "${b%??}"; sleep 0.3; printf "%s now\n%6000s\n" "${b#"${b%??}"}" ""'
sh -c 'b=${PWD##*/}; printf "%s" "${b%??}"; sleep 0.3; printf "%s\n%6000s\n" "${b#"${b%??}"}" ""'
sh -c 'cat "$(tail -n 1 cfg65536)"'
sh -c 'cat "$(tail -n 1 cfg1048576)"'
EOF
each() {
	f=$1
	shift
	while IFS= read -r line <&3; do
		"$@" "$line"
	done 3<"$f"
}
record() {
	dir_like_bash "recorded: $1" "$p1" "$1"
	in_dir "$p1" "$1"
	expect_hit "same place: $1"
}
each "$root/bound" record
p2=$root/home/projseam2
cp -a "$p1" "$p2"
printf 'changed\n' >"$p1/data" # the copy's cfg files still name proj's data
in_copy() {
	dir_like_bash "copy: $1" "$p2" "$1"
	expect_miss "copy: $1"
}
each "$root/bound" in_copy

# Not bound: the last component glued to a letter across the cut
# ("projseamx" is not the word "projseam"), nor the path as a part of a
# longer name: relocatable, served in the copy.
cat >"$root/free" <<'EOF'
sh -c 'printf "%s" projsea; sleep 0.3; printf "%s\n%6000s\n" mx ""'
sh -c 'printf "%s" xprojse; sleep 0.3; printf "%s\n%6000s\n" am ""'
EOF
free_here() {
	in_dir "$p1" "$1"
	in_dir "$p1" "$1"
	expect_hit "same place: $1"
}
each "$root/free" free_here
rm -rf "$p2" && cp -a "$p1" "$p2"
free_copy() {
	dir_like_bash "copy: $1" "$p2" "$1"
	expect_hit "relocatable in the copy: $1"
}
each "$root/free" free_copy

finish
