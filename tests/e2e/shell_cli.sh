#!/bin/sh
# shell_cli.sh - drive the shark binary as a user does: -c with arguments,
# script files, scripts on stdin, #! scripts, exit statuses, syntax errors.
set -u
: "${SHARK:?SHARK must point at the shark binary}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shark-e2e.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0

# check NAME EXPECTED_STATUS EXPECTED_STDOUT COMMAND...
check() {
	name=$1 want_status=$2 want_out=$3
	shift 3
	n=$((n + 1))
	out=$("$@" 2>"$tmp/err")
	status=$?
	if [ "$status" != "$want_status" ] || [ "$out" != "$want_out" ]; then
		echo "FAIL $name: status $status (want $want_status), stdout [$out] (want [$want_out])"
		sed 's/^/    stderr: /' "$tmp/err"
		fail=$((fail + 1))
	fi
}

# check_err NAME PATTERN: the last check's stderr matches a grep pattern
check_err() {
	n=$((n + 1))
	if ! grep -q -- "$2" "$tmp/err"; then
		echo "FAIL $1: stderr does not match [$2]:"
		sed 's/^/    stderr: /' "$tmp/err"
		fail=$((fail + 1))
	fi
}

check "-c" 0 "hi" "$SHARK" -c 'echo hi'
check "-c name args" 0 "me|a|b c|2" "$SHARK" -c 'echo "$0|$1|$2|$#"' me a 'b c'
check "-c exit status" 3 "" "$SHARK" -c 'exit 3'
check "last status" 1 "" "$SHARK" -c 'false'
check "not found is 127" 127 "" "$SHARK" -c 'no-such-command-xyz'
check_err "not found message" "no-such-command-xyz: not found"
printf 'echo data\n' >"$tmp/noexec"
chmod 644 "$tmp/noexec"
check "not executable is 126" 126 "" "$SHARK" -c "$tmp/noexec"
check "killed by signal is 128+N" 137 "" "$SHARK" -c 'kill -9 $$'
check "child killed" 143 "" "$SHARK" -c 'sh -c "kill \$\$"'

printf 'echo "script $1 $#"\nexit 4\n' >"$tmp/s.sh"
check "script file with args" 4 "script x 2" "$SHARK" "$tmp/s.sh" x y
check "script on stdin" 0 "from stdin a" sh -c "printf 'echo from stdin \$1\n' | \"$SHARK\" -s a"
check "stdin without -s" 0 "piped" sh -c "echo 'echo piped' | \"$SHARK\""
check "missing script" 127 "" "$SHARK" "$tmp/nonexistent.sh"

printf '#!/usr/bin/env shark\necho "shebang $1"\n' >"$tmp/sb"
chmod 755 "$tmp/sb"
mkdir "$tmp/bin"
ln -s "$SHARK" "$tmp/bin/shark"
check "shebang script" 0 "shebang ok" env PATH="$tmp/bin:$PATH" "$tmp/sb" ok
printf 'echo "no shebang $1"\n' >"$tmp/plain"
chmod 755 "$tmp/plain"
check "script without #! runs in shark" 0 "no shebang p" "$SHARK" -c "$tmp/plain p"
# a file without #! is run by shark itself (not handed to /bin/sh in the
# sandbox): shark-only syntax works in it and each of its commands is
# memoized on its own (a second run replays the inner command)
printf 'set -o pipefail && echo "pf $1"\nwc -c <"$2"\n' >"$tmp/plain2"
chmod 755 "$tmp/plain2"
printf 'abc' >"$tmp/data"
check "script without #! is run by shark" 0 "pf q
3" env XDG_CACHE_HOME="$tmp/cache" "$SHARK" -c "$tmp/plain2 q $tmp/data"
check "its commands are memoized one by one" 0 "pf q
3" env XDG_CACHE_HOME="$tmp/cache" SHARK_NOTICES=1 "$SHARK" -c "$tmp/plain2 q $tmp/data; :"
check_err "inner command replayed" "shark: cached"
check "found in PATH" 0 "pf r
3" env PATH="$tmp:$PATH" XDG_CACHE_HOME="$tmp/cache" "$SHARK" -c "plain2 r $tmp/data"

# invocation options before -c or a file, and $-, as dash gives them
for inv in "-e -c|false; echo no" "-o errexit -c|false; echo no" "-u -c|echo \$nope; echo no" \
	"-eu -c|echo \$-" "-x -c|echo \$-" "-c|echo [\$-]" "-e -o noglob -c|echo \$-" \
	"+e -c|echo [\$-]" "-e|$tmp/s.sh" "-u|$tmp/s.sh" "-c -e|echo \$-" "-C -c|echo \$-" "-Cefuxavb -c|echo \$-"; do
	opts=${inv%%|*} arg=${inv#*|}
	# shellcheck disable=SC2086
	want=$(dash $opts "$arg" 2>/dev/null)
	want_st=$?
	# shellcheck disable=SC2086
	check "invocation $opts '$arg'" "$want_st" "$want" "$SHARK" $opts "$arg"
done
check "stdin shows s in \$-" 0 "s" sh -c "echo 'echo \$-' | \"$SHARK\""
# bash mode: a #! line naming bash, or --bash; other scripts stay POSIX
printf '#!/bin/bash\nsource /dev/null && [[ a == a ]] && echo "bash ${0##*/}"\n' >"$tmp/b1"
check "#!/bin/bash script is bash" 0 "bash b1" "$SHARK" "$tmp/b1"
printf '#!/usr/bin/env bash\necho {1..3}\n' >"$tmp/b2"
check "#!/usr/bin/env bash script is bash" 0 "1 2 3" "$SHARK" "$tmp/b2"
printf '#!/bin/sh\necho {1..3}\n' >"$tmp/b3"
check "#!/bin/sh script is POSIX" 0 "{1..3}" "$SHARK" "$tmp/b3"
check "--bash -c" 0 "X" "$SHARK" --bash -c 'x=x; echo ${x^^}'
check "-c is POSIX" 0 "\${x^^}" "$SHARK" -c 'echo \$\{x^^\}'
check "source is not found in POSIX mode" 127 "" "$SHARK" -c 'source /dev/null'
# unsupported bash features: a clear message with file and line, never "not found"
for feat in 'shopt -s lastpipe%shopt -s lastpipe' 'pushd /tmp%pushd' 'x=a; echo ${x^^a}%case modification with a pattern' \
	'caller%caller' 'declare -n r%declare -n' 'x=y; echo ${!x}%indirect expansion' \
	'select x in a; do :; done%select' 'coproc cat%coproc'; do
	code=${feat%%%*} what=${feat#*%}
	printf '#!/bin/bash\necho before\n%s\n' "$code" >"$tmp/u"
	check "unsupported: $what" 2 "before" "$SHARK" "$tmp/u"
	check_err "unsupported message: $what" "u:3: not supported by shark: $what"
done
# commands inside bash constructs are memoized like any other; [[ ]] and
# (( )) are not commands for the sandbox (nothing recorded for them)
cat >"$tmp/bm" <<'EOF2'
#!/bin/bash
for f in {1..2}; do
	if [[ $f -eq 2 ]] && (( f > 1 )); then wc -c <"$1"; fi
done
EOF2
check "bash loop runs" 0 "3" env XDG_CACHE_HOME="$tmp/cache-b" "$SHARK" "$tmp/bm" "$tmp/data"
check "bash loop replays" 0 "3" env XDG_CACHE_HOME="$tmp/cache-b" SHARK_NOTICES=1 "$SHARK" "$tmp/bm" "$tmp/data"
check_err "command in bash loop replayed" "shark: cached"
check "only wc -c was recorded (no [[, ((, loop or test)" 0 "2" sh -c "env XDG_CACHE_HOME='$tmp/cache-b' '$SHARK' log 2>/dev/null | grep -c . ; env XDG_CACHE_HOME='$tmp/cache-b' '$SHARK' log 2>/dev/null | grep -v 'wc -c'; true"

# PIPESTATUS: a script naming it (on any line) gets each stage's status,
# and its stages are still memoized one by one
printf '#!/bin/bash\nprintf "b\\na\\n" | grep -c z | cat\necho "${PIPESTATUS[*]}"\n' >"$tmp/ps"
check "PIPESTATUS of a pipeline of programs" 0 "0
0 1 0" env XDG_CACHE_HOME="$tmp/cache-ps" "$SHARK" "$tmp/ps"
check "PIPESTATUS replayed" 0 "0
0 1 0" env XDG_CACHE_HOME="$tmp/cache-ps" SHARK_NOTICES=1 "$SHARK" "$tmp/ps"
check_err "PIPESTATUS stages replayed" "shark: cached"

# export -f: a function reaches another bash through BASH_FUNC_NAME%%;
# a bash-mode shark imports such entries, and only a lone function
# definition: text after it (the shellshock form) never runs
check "export -f to bash" 0 "hi you" "$SHARK" --bash -c 'greet() { echo "hi $1"; }; export -f greet; bash -c "greet you"'
check "BASH_FUNC_ imported" 0 "imported" env 'BASH_FUNC_g%%=() { echo imported; }' "$SHARK" --bash -c g
check "BASH_FUNC_ with a trailing command" 127 "" env 'BASH_FUNC_g%%=() { :; }; echo PWNED' "$SHARK" --bash -c g
check_err "BASH_FUNC_ with a trailing command refused" "error importing function definition"
check "BASH_FUNC_ ignored in POSIX mode" 127 "" env 'BASH_FUNC_g%%=() { echo x; }' "$SHARK" -c g

# syntax errors: file, line, unexpected token, status 2, nothing after runs
printf 'echo one\necho two\nif true; then\n  echo three\nfi fi\necho never\n' >"$tmp/bad.sh"
check "syntax error status" 2 "one
two" "$SHARK" "$tmp/bad.sh"
check_err "syntax error names file:line" "bad.sh:5: syntax error"
check_err "syntax error names token" 'unexpected "fi"'
check "-c syntax error" 2 "" "$SHARK" -c 'echo ok; )'
check_err "-c syntax error token" 'unexpected ")"'
check "unterminated quote" 2 "" "$SHARK" -c "echo 'abc"
check "eof in if" 2 "" "$SHARK" -c 'if true; then echo x'
check_err "eof token" "end of file"

# set -e and its exceptions
check "set -e stops" 1 "a" "$SHARK" -c 'set -e; echo a; false; echo b'
check "set -e in conditions" 0 "ok" "$SHARK" -c 'set -e; if false; then :; fi; false || true; ! true; echo ok'
check "set -u" 2 "" "$SHARK" -c 'set -u; echo $nope; echo after'
check "pipefail" 1 "" "$SHARK" -o pipefail -c 'false | true'
check "no pipefail" 0 "" "$SHARK" -c 'false | true'
check "-x traces" 0 "x" "$SHARK" -x -c 'echo x'
check_err "-x trace line" "^+ echo x"

# interactive-only features do not leak into scripts: Ctrl-D etc. are in shell_interactive.sh
check "exit trap" 5 "bye" "$SHARK" -c 'trap "echo bye" EXIT; exit 5'
check "background and wait" 0 "7" "$SHARK" -c 'sh -c "exit 7" & wait $!; echo $?'
check "here-doc" 0 "x=1" "$SHARK" -c 'x=1; cat <<EOF
x=$x
EOF'
check "redirections" 0 "b" "$SHARK" -c "echo a > $tmp/r; echo b >> $tmp/r; tail -n 1 < $tmp/r"
check "noclobber" 2 "" "$SHARK" -c "set -C; echo a > $tmp/r"

echo "shell_cli: $((n - fail))/$n passed"
[ "$fail" -eq 0 ]
