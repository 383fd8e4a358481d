#!/bin/sh
# memo_touch.sh - a command that rewrites a file with the same bytes, or
# touches it, leaves it with a new mtime as in bash, on its first run and
# on a hit (SANDBOX_EFFECT_TOUCH / STORE_EFFECT_TOUCH); an explicit time
# (touch -d) is carried as it is; a file only opened for writing keeps its
# mtime; and so make, whose outputs come out byte for byte the same, is
# "up to date" on its next run as in bash, not rebuilding forever.
. "$(dirname "$0")/../lib/e2e.sh"
OLD=2020-01-01
OLD_S=$(date -d "$OLD" +%s)

# newer NAME FILE T0: FILE's mtime is T0 (seconds) or later.
newer() {
	checks=$((checks + 1))
	m=$(stat -c %Y "$2")
	[ "$m" -ge "$3" ] || fail "$1: mtime of $2 is $m, expected $3 or later (status $st, stderr: $err)"
}

# at NAME FILE T: FILE's mtime is exactly T (seconds).
at() {
	checks=$((checks + 1))
	m=$(stat -c %Y "$2")
	[ "$m" = "$3" ] || fail "$1: mtime of $2 is $m, expected $3 (status $st, stderr: $err)"
}

echo hi >a
cp a b

# -- the same bytes written again: a new mtime, on the run and on a hit ----
for i in 1 2; do
	touch -d "$OLD" b
	t0=$(date +%s)
	sk 'cp a b'
	[ "$i" = 2 ] && expect_hit cp-same-$i
	newer cp-same-$i b "$t0"
done

# -- touch: the same ---------------------------------------------------------
for i in 1 2; do
	touch -d "$OLD" b
	t0=$(date +%s)
	sk 'touch b'
	[ "$i" = 2 ] && expect_hit touch-$i
	newer touch-$i b "$t0"
done

# -- touch -d: the time it names, on the run and on a hit ---------------------
for i in 1 2; do
	touch b
	sk 'touch -d 2019-05-05 b'
	[ "$i" = 2 ] && expect_hit touch-d-$i
	at touch-d-$i b "$(date -d 2019-05-05 +%s)"
done

# -- opened for writing, nothing written: the mtime stays ---------------------
touch -d "$OLD" b
sk "python3 -c 'open(\"b\", \"r+\")'"
at open-rw b "$OLD_S"
checks=$((checks + 1))
[ "$(cat b)" = hi ] || fail "open-rw: b is [$(cat b)]"

# -- a chmod with a touch: both -----------------------------------------------
touch -d "$OLD" b
t0=$(date +%s)
sk 'sh -c "chmod 0755 b; touch b"'
newer chmod-touch b "$t0"
checks=$((checks + 1))
[ "$(stat -c %a b)" = 755 ] || fail "chmod-touch: mode $(stat -c %a b)"

# -- a file under /tmp ---------------------------------------------------------
tf=$(mktemp /tmp/shark-touch.XXXXXX)
echo x >"$tf"
for i in 1 2; do
	touch -d "$OLD" "$tf"
	t0=$(date +%s)
	sk "touch $tf"
	[ "$i" = 2 ] && expect_hit tmp-touch-$i
	newer tmp-touch-$i "$tf" "$t0"
done
touch -d "$OLD" "$tf"
sk "python3 -c 'open(\"$tf\", \"r+\")'"
at tmp-open-rw "$tf" "$OLD_S"
rm -f "$tf"

# -- make: up to date once its output is rebuilt with the same bytes ----------
if command -v make >/dev/null 2>&1; then
	printf 'b\na\n' >in.txt
	printf 'out.txt: in.txt\n\tsort in.txt > out.txt; echo built\n' >Makefile
	sk make
	sleep 1
	touch in.txt
	sk make
	checks=$((checks + 1))
	case $out in *built*) ;; *) fail "make-2: [$out], expected a rebuild" ;; esac
	sk make
	checks=$((checks + 1))
	case $out in
	*"'out.txt' is up to date."*) ;; # make[N]: under make test
	*) fail "make-3: [$out], expected make: 'out.txt' is up to date. (as in bash)" ;;
	esac
else
	echo "make missing: make case skipped"
fi

finish
