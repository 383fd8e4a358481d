#!/bin/sh
# memo_soundness.sh - after a cached run, every change a command could see
# must make shark run it again and print the fresh, correct output; and
# unchanged commands must be served from the store (issue: memoization).
. "$(dirname "$0")/../lib/e2e.sh"
PY=/usr/bin/python3

# -- content changed with the same size, mtime restored -----------------------
printf 'abc\n' >f
sk 'cat f'; expect_out same-size-cold abc
sk 'cat f'; expect_hit same-size-warm; expect_out same-size-warm abc
touch -r f "$root/stamp"
printf 'xyz\n' >f
touch -r "$root/stamp" f
sk 'cat f'; expect_miss same-size-changed; expect_out same-size-changed xyz

# -- a change within the same timestamp tick ---------------------------------
printf '111\n' >g
sk 'cat g'
printf '222\n' >g
sk 'cat g'; expect_miss same-tick; expect_out same-tick 222

# -- a file added to or removed from a listed directory -----------------------
mkdir -p d && : >d/a
sk 'ls d'; sk 'ls d'; expect_hit listing-warm
: >d/b
sk 'ls d'; expect_miss listing-added; expect_out listing-added "a
b"
rm d/a
sk 'ls d'; expect_miss listing-removed; expect_out listing-removed b

# -- an environment variable the command reads -------------------------------
sk 'export V=1; sh -c "echo \$V"'
sk 'export V=2; sh -c "echo \$V"'; expect_miss env-changed; expect_out env-changed 2

# -- a new executable shadowing one on PATH -----------------------------------
mkdir -p bin1 bin2
printf '#!/bin/sh\necho old\n' >bin2/tool && chmod +x bin2/tool
sk 'PATH=$PWD/bin1:$PWD/bin2:$PATH; tool'; sk 'PATH=$PWD/bin1:$PWD/bin2:$PATH; tool'
expect_hit path-warm
printf '#!/bin/sh\necho new\n' >bin1/tool && chmod +x bin1/tool
sk 'PATH=$PWD/bin1:$PWD/bin2:$PATH; tool'; expect_miss path-shadowed; expect_out path-shadowed new

# -- the signals the shell ignores, which the command inherits ---------------
sigprobe="$PY -c 'import signal; print(signal.getsignal(signal.SIGUSR1) == signal.SIG_IGN)'"
sk "$sigprobe"; sk "$sigprobe"; expect_hit sigign-warm; expect_out sigign-warm False
sk "trap '' USR1; $sigprobe"; expect_miss sigign-trapped
expect_out sigign-trapped "$(dash -c "trap '' USR1; $sigprobe")"
sk "trap '' USR1; trap - USR1; $sigprobe"; expect_hit sigign-reset; expect_out sigign-reset False
# ... but not SIGINT and SIGQUIT, which sh ignores for `cmd &`, nor HUP (nohup)
sk "$sigprobe & wait"; expect_hit sigign-background; expect_out sigign-background False
sk "trap '' HUP; $sigprobe"; expect_hit sigign-nohup

# -- an edited script -----------------------------------------------------------
printf 'echo one\n' >s.sh
sk 'sh s.sh'; sk 'sh s.sh'; expect_hit script-warm
printf 'echo two\n' >s.sh
sk 'sh s.sh'; expect_miss script-edited; expect_out script-edited two

# -- a previously absent probed file appears (a python module in cwd) --------
cat >probe.py <<'PYEOF'
try:
    import extra_mod
    print(extra_mod.VALUE)
except ImportError:
    print("absent")
PYEOF
sk "$PY probe.py"; expect_out py-absent absent
sk "$PY probe.py"; expect_hit py-warm
echo 'VALUE = "present"' >extra_mod.py
sk "$PY probe.py"; expect_miss py-appeared; expect_out py-appeared present

# -- a symlink retargeted --------------------------------------------------------
echo first >t1 && echo second >t2 && ln -s t1 link
sk 'cat link'; sk 'cat link'; expect_hit symlink-warm
ln -sf t2 link
sk 'cat link'; expect_miss symlink-retargeted; expect_out symlink-retargeted second

# -- a changed stdin file --------------------------------------------------------
printf '1\n2\n' >in.txt
sk 'wc -l <in.txt'; sk 'wc -l <in.txt'; expect_hit stdin-warm
printf '1\n2\n3\n' >in.txt
sk 'wc -l <in.txt'; expect_miss stdin-changed; expect_out stdin-changed 3

# -- a changed input of an upstream stage ----------------------------------------
printf 'b\na\n' >up.txt
sk 'cat up.txt | sort'; sk 'cat up.txt | sort'; expect_hit upstream-warm
printf 'c\na\n' >up.txt
sk 'cat up.txt | sort'; expect_miss upstream-changed; expect_out upstream-changed "a
c"

# -- a file read by a child, and by a background grandchild -----------------------
echo kid1 >kid.txt
sk 'sh -c "sh -c \"cat kid.txt\""'; sk 'sh -c "sh -c \"cat kid.txt\""'; expect_hit child-warm
echo kid2 >kid.txt
sk 'sh -c "sh -c \"cat kid.txt\""'; expect_miss child-changed; expect_out child-changed kid2
echo bg1 >bg.txt
sk 'sh -c "(sleep 0.1; cat bg.txt) & wait"'; sk 'sh -c "(sleep 0.1; cat bg.txt) & wait"'
expect_hit grandchild-warm
echo bg2 >bg.txt
sk 'sh -c "(sleep 0.1; cat bg.txt) & wait"'; expect_miss grandchild-changed
expect_out grandchild-changed bg2

# -- an exec bit removed ----------------------------------------------------------
printf '#!/bin/sh\necho ran\n' >x.sh && chmod +x x.sh
sk './x.sh'; sk './x.sh'; expect_hit exec-warm
chmod -x x.sh
sk './x.sh'; expect_miss exec-bit-removed
checks=$((checks + 1))
[ "$st" = 126 ] || fail "exec-bit-removed: status $st, expected 126"

# -- a changed file outside the workspace ------------------------------------------
# (not under /tmp: the sandbox gives every command a private /tmp)
outside=$(mktemp -d "$HOME/.shark-e2e-outside.XXXXXX")
echo out1 >"$outside/o.txt"
sk "cat $outside/o.txt"; sk "cat $outside/o.txt"; expect_hit outside-warm
echo out2 >"$outside/o.txt"
sk "cat $outside/o.txt"; expect_miss outside-changed; expect_out outside-changed out2
rm -rf "$outside"

# -- another cwd --------------------------------------------------------------------
mkdir -p c1 c2 && : >c1/one && : >c2/two
sk 'cd c1 && ls'; sk 'cd c1 && ls'; expect_hit cwd-warm
sk 'cd c2 && ls'; expect_miss cwd-other; expect_out cwd-other two

# -- changed here-doc and variable content --------------------------------------------
sk 'v=alpha; cat <<EOT
$v
EOT'
sk 'v=beta; cat <<EOT
$v
EOT'
expect_miss heredoc-changed; expect_out heredoc-changed beta
sk 'v=gamma; echo "$v" | tr a-z A-Z'; expect_out variable GAMMA
sk 'v=delta; echo "$v" | tr a-z A-Z'; expect_miss variable-changed; expect_out variable-changed DELTA

# -- completeness: unchanged deterministic work hits, byte-identical to dash ------------
seq 1 2000 >nums
script='sort -rn nums | head -n 5 | tr "\n" " " > top.txt; cat top.txt; wc -c < nums'
sk "$script"; same_as_dash pipeline-cold "$script"
rm top.txt
sk "$script"; expect_hit pipeline-warm; same_as_dash pipeline-warm "$script"
checks=$((checks + 1))
[ -f top.txt ] || fail "pipeline-warm: the redirected file was not restored"
printf 'import sys\nprint(sum(int(l) for l in open("nums")))\n' >sum.py
sk "$PY sum.py"; sk "$PY sum.py"; expect_hit python-warm; expect_out python-warm 2001000
sk 'echo made >made.txt; cat made.txt'; rm made.txt
sk 'echo made >made.txt; cat made.txt'; expect_out effects-restored made

# -- a file one stage writes and the next one reads ---------------------------
# The second stage reads the old content (its sandbox does not see the
# first one's writes, and no stage's writes reach the workspace before
# every stage's inputs were recorded); the next run finds the new content
# and must print it, as dash does.
printf 'old\n' >w.txt
p='sh -c "echo new >w.txt; echo done" | cat w.txt -'
sk "$p"; expect_out stage-write-cold "old
done"
sk "$p"; expect_miss stage-write-rerun; expect_out stage-write-rerun "new
done"

finish
