#!/bin/sh
# as-user.sh CMD [ARGS...] - run CMD as the unprivileged test user.
#
# shark's users are not root, so the sandbox and memo tests run twice: as the
# invoking user and, when that is root, as "shark-test", a plain account this
# script creates on first use. Exits with CMD's status; 77 if the user cannot
# be set up (reported by the caller as a failure, never skipped silently).
set -eu
user=shark-test

if [ "$(id -u)" -ne 0 ]; then
	exec "$@"
fi

if ! id "$user" >/dev/null 2>&1; then
	useradd --create-home --shell /bin/sh --user-group "$user" >/dev/null 2>&1 || {
		echo "as-user: cannot create user $user" >&2
		exit 77
	}
fi
home=$(getent passwd "$user" | cut -d: -f6)
tmp=$(runuser -u "$user" -- mktemp -d /tmp/shark-test.XXXXXX)
status=0
runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin \
	HOME="$home" TMPDIR="$tmp" LANG=C.UTF-8 USER="$user" LOGNAME="$user" \
	${SHARK:+SHARK="$SHARK"} ${BUILD:+BUILD="$BUILD"} \
	${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
	${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
	"$@" || status=$?
rm -rf "$tmp"
exit "$status"
