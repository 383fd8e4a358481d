#!/bin/sh
# memo_prefix_words.sh - `force`, `nocache`, `network` and `host` as the
# first words of a simple command shadow a program of that name on PATH
# (docs/memo.md): not even a shell script without a #! line there (which
# shark would otherwise run itself, eval.c script_without_interpreter) is
# run in their place, and PATH is not searched for them.
. "$(dirname "$0")/../lib/e2e.sh"

mkdir -p "$root/bin"
for w in force nocache network host; do
	printf 'echo SCRIPT-%s-RAN\n' "$w" >"$root/bin/$w"
	chmod +x "$root/bin/$w"
done

for w in force nocache network host; do
	sk "PATH=$root/bin:\$PATH; $w /bin/echo ran-$w; $w $w /bin/echo twice-$w"
	expect_out "$w shadows a script of its name" "ran-$w
twice-$w"
done

# A script's own name after the prefix is still run as usual (here
# through the sandbox: the prefix is stripped first).
sk "PATH=$root/bin:\$PATH; nocache sh -c 'echo inner'"
expect_out "a prefix, then a command" "inner"

finish
