#!/bin/sh
# sandbox_pathexec.sh - the command's PATH search in the sandbox
# (sandbox/setup.c probe_path): the candidates an untraced stat finds absent
# before the filter is loaded are skipped without a round trip to the tracer,
# and recorded as their failed execve was (so a tool put later in an earlier
# PATH directory still makes the run miss); a directory, a file without
# execute permission or without #! go on as in dash.
. "$(dirname "$0")/../lib/e2e.sh"
: "${BUILD:?BUILD must point at the build directory}"
RUN=$BUILD/tests/helpers/sandbox_run

mkdir -p bin0 bin1 bin2 bin3
: >afile # a PATH entry that is a file: its candidates fail with ENOTDIR
P="$ws/bin0:$ws/afile:$ws/bin1:$ws/bin2:$ws/bin3"
mkexe() { # mkexe FILE TEXT: a script that prints TEXT and its arguments
	printf '#!/bin/sh\necho %s "$@"\n' "$2" >"$1" && chmod 755 "$1"
}

# ---- soundness: under shark, against dash ------------------------------------
mkexe bin3/tool three
ln -s nowhere bin0/tool # dangling: absent, as its target
s="PATH=$P:\$PATH; tool x"
sk "$s"; expect_out late-cold "three x"; same_as_dash late-cold "$s"
sk "$s"; expect_hit late-warm
mkexe bin2/tool two
sk "$s"; expect_miss shadowed-later; expect_out shadowed-later "two x"
same_as_dash shadowed-later "$s"
sk "$s"; expect_hit shadowed-warm
mkexe bin0/nowhere zero # the dangling symlink now leads to a tool
sk "$s"; expect_miss symlink-target-made; expect_out symlink-target-made "zero x"
same_as_dash symlink-target-made "$s"
rm bin0/tool
sk "$s"; expect_miss symlink-removed; expect_out symlink-removed "two x"
# the file in the way of a PATH entry (ENOTDIR) becomes a directory
rm afile && mkdir afile && mkexe afile/tool file-was-here
sk "$s"; expect_miss enotdir-now-dir; expect_out enotdir-now-dir "file-was-here x"
same_as_dash enotdir-now-dir "$s"
rm -r afile && : >afile

# a directory of that name earlier in PATH is skipped (dash: the same)
mkdir bin1/dtool && mkexe bin3/dtool three
s="PATH=$P:\$PATH; dtool y"
sk "$s"; expect_out dir-skipped "three y"; same_as_dash dir-skipped "$s"
mkdir bin1/donly
s="PATH=$P:\$PATH; donly; echo \$?"
sk "$s"; same_as_dash dir-only "$s"
# a file without execute permission earlier: dash goes on, and says 126
# when nothing else is found
printf '#!/bin/sh\necho one\n' >bin1/ntool && chmod 644 bin1/ntool
mkexe bin3/ntool three
s="PATH=$P:\$PATH; ntool z"
sk "$s"; expect_out noexec-skipped "three z"; same_as_dash noexec-skipped "$s"
# (126, as bash and POSIX say; dash 0.5.12 says 127)
printf '#!/bin/sh\necho one\n' >bin1/nonly && chmod 644 bin1/nonly
s="PATH=$P:\$PATH; nonly; echo \$?"
sk "$s"; expect_out noexec-only 126
checks=$((checks + 1))
[ "$(bash -c "$s" 2>/dev/null)" = 126 ] || fail "noexec-only: bash does not say 126"
# a file without #!: run by sh
printf 'echo no-shebang "$@"\n' >bin2/stool && chmod 755 bin2/stool
mkexe bin3/stool three
s="PATH=$P:\$PATH; stool w"
sk "$s"; expect_out no-shebang "no-shebang w"; same_as_dash no-shebang "$s"
# not found anywhere
s="PATH=$P; nosuchtool; echo \$?"
sk "$s"; same_as_dash not-found "$s"

# ---- the record: as the traced execve of each candidate made it --------------
acc=$root/acc
notif() { sed -n 's/^# flags .* notifications \([0-9]*\) .*/\1/p' "$1"; }
mkexe bin3/late late
env PATH="$P:/usr/bin:/bin" "$RUN" -a "$acc.path" -- late >/dev/null
env PATH="$P:/usr/bin:/bin" "$RUN" -a "$acc.abs" -- "$ws/bin3/late" >/dev/null
{
	grep -v '^#' "$acc.abs"
	for d in bin0 afile bin1 bin2; do echo "-x--a- $ws/$d/late"; done
} | sort >"$acc.want"
grep -v '^#' "$acc.path" | sort >"$acc.got"
checks=$((checks + 1))
cmp -s "$acc.want" "$acc.got" ||
	fail "record: the PATH search's accesses are not the absolute run's plus the 4 absent candidates: $(diff "$acc.want" "$acc.got")"
# (c) and without a round trip per absent candidate: the notifications are
# those of the absolute run (the old search made 4 more)
n_path=$(notif "$acc.path") n_abs=$(notif "$acc.abs")
checks=$((checks + 1))
[ -n "$n_path" ] && [ "$n_path" = "$n_abs" ] ||
	fail "notifications: $n_path by PATH, $n_abs by absolute path"

# not found: every candidate recorded absent, the last one traced
env PATH="$P" "$RUN" -a "$acc.nf" -- nosuchtool 2>/dev/null
st=$?
checks=$((checks + 1))
[ "$st" = 127 ] || fail "not found: status $st"
for d in bin0 afile bin1 bin2 bin3; do
	checks=$((checks + 1))
	grep -qx -- "-x--a- $ws/$d/nosuchtool" "$acc.nf" || fail "not found: $d/nosuchtool not recorded absent"
done
checks=$((checks + 1))
grep -q 'exec_errno 2$' "$acc.nf" || fail "not found: $(grep '^#' "$acc.nf")"

# an empty (the cwd) and a relative PATH entry: recorded with the cwd
env PATH=":bin1:$ws/bin2:$ws/bin3" "$RUN" -a "$acc.rel" -- late >/dev/null
for p in "$ws/late" "$ws/bin1/late" "$ws/bin2/late"; do
	checks=$((checks + 1))
	grep -qx -- "-x--a- $p" "$acc.rel" || fail "relative entries: $p not recorded absent"
done
checks=$((checks + 1))
grep -qx -- ".x---- $ws/bin3/late" "$acc.rel" || fail "relative entries: bin3/late not recorded"

# untraced: the same search
out=$(env PATH="$P:/usr/bin:/bin" "$RUN" -T -- late 2>&1)
checks=$((checks + 1))
[ "$out" = late ] || fail "untraced search: [$out]"

# ---- the tracer's one lookup for a workspace open ----------------------------
# (bind_host_fifo's lookup serves account, and a path known to be no FIFO
# is not looked up again: the record is the same)
echo x >f1 && mkdir -p px && echo y >px/f1
sc='cat f1 f1 >/dev/null; test -e f1; cat nx 2>/dev/null; cat nx 2>/dev/null
echo >new1; cat new1; ls px >/dev/null; cat px/f1 px/f1 >/dev/null; test -d px'
"$RUN" -a "$acc.ws" -- sh -c "$sc" >/dev/null
grep " $ws" "$acc.ws" >"$acc.wsgot"
printf '%s\n' "--s--- $ws" "r-s--- $ws/f1" "r---aw $ws/new1" "----a- $ws/nx" \
	"--sl-- $ws/px" "r----- $ws/px/f1" >"$acc.wswant"
checks=$((checks + 1))
cmp -s "$acc.wswant" "$acc.wsgot" || fail "workspace record: $(diff "$acc.wswant" "$acc.wsgot")"
# a host FIFO looked at, then opened: still the host's (a writer outside)
mkfifo hostfifo
(echo through >hostfifo) &
wpid=$!
out=$(timeout 20 "$RUN" -- sh -c 'test -p hostfifo && test -e hostfifo && cat hostfifo')
checks=$((checks + 1))
[ "$out" = through ] || fail "host FIFO after a stat: [$out]"
kill $wpid 2>/dev/null
wait $wpid 2>/dev/null

finish
