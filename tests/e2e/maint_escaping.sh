#!/bin/sh
# maint_escaping.sh - names a command chose never reach the terminal raw and
# never become shell code (issue 17, item 11): terminal escapes in file
# names, symlink targets and command texts are escaped by show, log, why,
# lineage (text and --dot), stats and fsck, and by the engine's warnings;
# a file named "out<newline>touch PWNED #" stays one word (or a comment)
# in `shark lineage --script`; --json output stays valid JSON.
. "$(dirname "$0")/../lib/e2e.sh"

check() { # NAME CONDITION...
	checks=$((checks + 1))
	name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "ok   $name"
	else
		fail "$name"
	fi
}

esc=$(printf '\033')
bel=$(printf '\007')
no_raw_controls() { ! raw_controls "$1"; }
# raw_controls FILE: FILE holds an ESC, BEL, CR or a C1 CSI (U+009B).
raw_controls() {
	LC_ALL=C grep -q "[$esc$bel$(printf '\r')]" "$1" || LC_ALL=C grep -q "$(printf '\302\233')" "$1"
}

# A file, a symlink target and a command text carrying escape sequences
# (set the window title, clear the screen, a C1 CSI).
evil_file=$(printf 'a\033]0;pwned\007b')
evil_target=$(printf 't\033[2Jx\302\233y')
printf 'data\n' >in.txt
sk "sh -c \"cp in.txt '$evil_file' && ln -s '$evil_target' link && echo '$esc[31mred'\""
check "the evil run is recorded" [ "$st" = 0 ] && [ -e "$evil_file" ]

"$SHARK" show last >"$root/show"
check "show prints no raw terminal control" no_raw_controls "$root/show"
check "show escapes the effect's name" grep -qF 'a\x1b]0;pwned\x07b' "$root/show"
check "show escapes the symlink target (and a C1 control)" grep -qF 't\x1b[2Jx\u009by' "$root/show"
"$SHARK" log >"$root/log"
check "log prints no raw terminal control" no_raw_controls "$root/log"
check "log escapes the command text" grep -qF '\x1b[31mred' "$root/log"
"$SHARK" why last >"$root/why"
check "why prints no raw terminal control" no_raw_controls "$root/why"
"$SHARK" show last --json >"$root/json"
check "show --json is valid JSON" jq -e . "$root/json"
check "show --json keeps the exact name" \
	[ "$(jq -r '.trace.effects[] | select(.kind == "write") | .path' "$root/json")" = "$evil_file" ]
"$SHARK" log --json >"$root/json"
check "log --json is valid JSON" jq -e . "$root/json"

# Invalid UTF-8 in a name: shown as \xHH, JSON stays valid.
bad=$(printf 'b\377\376d')
sk "cp in.txt '$bad'"
"$SHARK" show last >"$root/show"
check "show escapes bytes that are not UTF-8" grep -qF 'b\xff\xfed' "$root/show"
"$SHARK" show last --json >"$root/json"
check "show --json with invalid UTF-8 is valid JSON" jq -e . "$root/json"

# ---- lineage --script: a name with a newline is no command line ----
# The file's lineage script, once run, must re-create it and do nothing
# else: the old header comment "# reproduces NAME" ended at the newline.
nl_name=$(printf 'out\ntouch PWNED #')
sk "cp in.txt '$nl_name'"
"$SHARK" lineage "$nl_name" >"$root/lin"
check "lineage text prints no raw control" no_raw_controls "$root/lin"
check "lineage text escapes the newline" grep -qF 'out\ntouch PWNED #' "$root/lin"
"$SHARK" lineage --dot "$nl_name" >"$root/dot"
check "lineage --dot has the name on one line" grep -qF 'out\\ntouch PWNED #' "$root/dot"
"$SHARK" lineage --script "$nl_name" >"$root/script.sh"
check "lineage --script is valid sh" sh -n "$root/script.sh"
mkdir "$root/elsewhere"
rm -f "$nl_name"
(cd "$root/elsewhere" && sh "$root/script.sh" >/dev/null 2>&1)
check "running the script re-creates the file" [ "$(cat "$nl_name" 2>/dev/null)" = data ]
check "and runs nothing else (no PWNED anywhere)" \
	[ ! -e "$root/elsewhere/PWNED" ] && [ ! -e "$ws/PWNED" ] && [ ! -e PWNED ]
check "the header comment keeps the name on its line" grep -qF '# reproduces out\ntouch PWNED #' "$root/script.sh"

# ---- stats, fsck and the engine's warnings ----
evil_store=$root/$(printf 'st\033[2Jore')
SHARK_STORE=$evil_store "$SHARK" stats >"$root/stats" 2>&1
check "stats escapes the store path" no_raw_controls "$root/stats"
SHARK_STORE=$evil_store "$SHARK" fsck >"$root/fsck" 2>&1
check "fsck escapes the store path" no_raw_controls "$root/fsck"
big=$(printf 'big\033[2J')
SHARK_MAX_EFFECT_SIZE=1K sk "sh -c \"head -c 5000 /dev/zero > '$big'\""
check "the engine's warning names the file" grep -qF 'big\x1b[2J is' "$root/err"
check "and prints no raw control" no_raw_controls "$root/err"

finish
