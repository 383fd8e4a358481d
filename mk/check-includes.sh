#!/bin/sh
# check-includes.sh - dependencies between the modules point one way.
#
# Every `#include "..."` line of store/, sandbox/ and shark/ is checked
# against what its folder may use (system headers, <...>, are not checked):
#
#   store/        store/ only          sandbox/   sandbox/ only
#   shark/util/   shark/util/ only     (small helpers every shark/ folder shares)
#   shark/memo/   itself, util, store/store.h, store/remote.h, sandbox/sandbox.h
#   shark/shell/  itself, util, shark/memo/memo.h (the engine's public header)
#   shark/cli/    itself, util, shark/memo/memo.h, store/store.h, store/remote.h
#   shark/main.c  shark/cli/cli.h, shark/shell/, util, shark/twin.h
#   shark/twin*   shark/twin.h, util  (the static shark's twin: twin.h)
#
# Prints each offending line and exits 1 if there is one. Run from the top
# of the tree (`make test` runs it).
set -eu

# allowed FILE HEADER - whether FILE may include HEADER
allowed() {
	case $1 in
	store/*) pats='store/*' ;;
	sandbox/*) pats='sandbox/*' ;;
	shark/util/*) pats='shark/util/*' ;;
	shark/memo/*) pats='shark/memo/* shark/util/* store/store.h store/remote.h sandbox/sandbox.h' ;;
	shark/shell/*) pats='shark/shell/* shark/util/* shark/memo/memo.h' ;;
	shark/cli/*) pats='shark/cli/* shark/util/* shark/memo/memo.h store/store.h store/remote.h' ;;
	shark/main.c) pats='shark/cli/cli.h shark/shell/* shark/util/* shark/twin.h' ;;
	shark/twin*) pats='shark/twin.h shark/util/*' ;;
	*) return 1 ;;
	esac
	for p in $pats; do
		# shellcheck disable=SC2254
		case $2 in $p) return 0 ;; esac
	done
	return 1
}

# One "FILE:LINE:#include ..." line per include; prints the offending ones.
offending=$(find store sandbox shark -name '*.[ch]' | sort |
	xargs grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' |
	while IFS=: read -r file line text; do
		hdr=${text#*\"}
		hdr=${hdr%%\"*}
		allowed "$file" "$hdr" ||
			echo "$file:$line: includes \"$hdr\", which $(dirname "$file")/ may not use"
	done)
if [ -n "$offending" ]; then
	echo "$offending" >&2
	echo "check-includes: see mk/check-includes.sh for what each folder may include" >&2
	exit 1
fi
echo "check-includes: ok"
