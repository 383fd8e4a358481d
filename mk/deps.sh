#!/bin/sh
# Install the Debian packages shark's build, tests and benchmarks need, only
# those that are missing, with sudo when not root.
set -eu

pkgs="build-essential pkg-config
libseccomp-dev libxxhash-dev liblmdb-dev libreadline-dev libarchive-dev
libcriterion-dev libcurl4-openssl-dev
xxhash dash bash bubblewrap python3 tmux zstd util-linux passwd coreutils
gawk grep sed findutils procps iproute2 lmdb-utils clang libclang-rt-14-dev jq nginx curl"

missing=""
for p in $pkgs; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	echo "deps: all build and test packages are installed"
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "deps: missing packages:$missing; run this as root or install sudo" >&2
	exit 1
fi

echo "deps: installing:$missing"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086 # word splitting of the package list is intended
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
