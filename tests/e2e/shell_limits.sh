#!/bin/sh
# shell_limits.sh - the shell's own resource limits and descriptors as a
# script meets them: `ulimit N` sets the soft and the hard limit (dash's
# output); a redirection whose fd cannot be saved (a descriptor limit at
# or below 10) fails loudly and leaves the shell's stdout working, where
# the restore used to close it for good (docs/language.md, difference 14).
. "$(dirname "$0")/../lib/e2e.sh"

sk 'ulimit -n 64; ulimit -Hn; ulimit -Sn; ulimit -S -n 32; ulimit -Hn; ulimit -n'
same_as_dash "ulimit N sets both limits, -S the soft one" \
	'ulimit -n 64; ulimit -Hn; ulimit -Sn; ulimit -S -n 32; ulimit -Hn; ulimit -n'

sk 'for i in 1 2 3; do nocache true; done
ulimit -n 10
echo x >f
echo "st=$?"
echo end'
checks=$((checks + 1))
case $out in
*end) ;;
*) fail "stdout lost after a redirection under ulimit -n 10: [$out] [$err]" ;;
esac
checks=$((checks + 1))
case $err in
*"cannot save the descriptor"*) ;;
*) fail "the failed save is said: [$err]" ;;
esac

finish
