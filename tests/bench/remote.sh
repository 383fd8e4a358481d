#!/bin/sh
# remote.sh - the shared cache over loopback, against a private nginx
# (tests/lib/nginx.sh), side by side in one run, medians of alternating
# runs:
#   remote hit    a 1-second command served to a machine whose store has
#                 never seen it (fetch the entry, verify, fetch the blobs,
#                 record, replay),
#                 beside a local hit and the command itself (target: 50 ms)
#   download      a command whose 256 MiB output is served remotely, beside
#                 `curl` fetching the same object from the same server into
#                 a file (target: at least 0.8x curl's speed)
#   upload        a cold 1-second run with SHARK_REMOTE set (lookup, record,
#                 queue, the uploader started in the background) beside the
#                 same run without (target: under 5% more wall time)
#
#   sh tests/bench/remote.sh            (BUILD defaults to build/release)
#   BENCH_RUNS=3 BENCH_MB=64 ...        (quicker)
#   BENCH_NOSYNC=1 ...                  (stores without fsync: what is left
#                                        when the disk is not waited for)
#   BASE=/path/to/other/shark ...       (also times that build, alternating
#                                        in the same rounds: before/after)
set -eu
BUILD=${BUILD:-build/release}
shark=$(cd "$BUILD/bin" && pwd)/shark
runs=${BENCH_RUNS:-5}
mb=${BENCH_MB:-256}
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/shark-bench-remote.XXXXXX")
. "$top/tests/lib/nginx.sh"
trap 'ngx_kill; chmod -R u+rwx "$dir" 2>/dev/null; rm -rf "$dir"' EXIT
ngx_start "$dir/ngx"
mkdir -p "$dir/ws"
cd "$dir/ws"
head -c 32 /dev/urandom >"$dir/key"
export SHARK_WORKSPACE="$dir/ws" SHARK_HASH_KEY_FILE="$dir/key" SHARK_STORE_NOSYNC=${BENCH_NOSYNC:-0}
unset SHARK_NOTICES SHARK_REMOTE_MODE SHARK_REMOTE_TOKEN || true
remote=$ngx_url/cache
head -c $((mb << 20)) /dev/urandom >big.src

# machine A records both commands and uploads them
SHARK_STORE=$dir/A SHARK_REMOTE=$remote "$shark" -c "sh -c 'sleep 1; echo slept'" >/dev/null
SHARK_STORE=$dir/A SHARK_REMOTE=$remote "$shark" -c 'cat big.src' >"$dir/big.out"
SHARK_STORE=$dir/A SHARK_REMOTE=$remote "$shark" remote push >/dev/null
blob=$(grep -l . "$dir/ngx/www/cache/v1/"*/cas/* | while read -r f; do
	[ "$(stat -c %s "$f")" -eq $((mb << 20)) ] && echo "$f"
done | head -1)
blob_url=$remote/${blob#"$dir/ngx/www/cache/"}

python3 - "$shark" "$dir" "$remote" "$blob_url" "$runs" "$mb" "${BASE:-}" <<'PY'
import os, shutil, statistics, subprocess, sys, time
shark, d, remote, blob_url, runs, mb = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
base = sys.argv[7] or None
env0 = dict(os.environ)

def run(argv, env, out=os.devnull):
    with open(out, "wb") as f:
        t0 = time.perf_counter_ns()
        subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.DEVNULL, check=False)
        return (time.perf_counter_ns() - t0) / 1e6

def fresh(name):
    """A store that exists (as another machine's would) but has never seen
    the command: made by an unrelated run, not timed."""
    p = os.path.join(d, name)
    shutil.rmtree(p, ignore_errors=True)
    run([shark, "-c", "/bin/true"], dict(env0, SHARK_STORE=p))
    return p

def env(store, rem=True):
    e = dict(env0, SHARK_STORE=store)
    if rem:
        e["SHARK_REMOTE"] = remote
    else:
        e.pop("SHARK_REMOTE", None)
    return e

med = lambda v: statistics.median(v)
ONE = "sh -c 'sleep 1; echo slept'"

# 1. remote hit of a 1-second command, a local hit, the command
local_store = os.path.join(d, "L")
run([shark, "-c", ONE], env(local_store))  # fetched once: now local
rh, lh, brh = [], [], []
for k in range(runs):
    rh.append(run([shark, "-c", ONE], env(fresh("B%d" % k))))
    lh.append(run([shark, "-c", ONE], env(local_store)))
    shutil.rmtree(os.path.join(d, "B%d" % k), ignore_errors=True)
    if base:
        brh.append(run([base, "-c", ONE], env(fresh("B%d" % k))))
        shutil.rmtree(os.path.join(d, "B%d" % k), ignore_errors=True)
cmd = med([run(["sh", "-c", "sleep 1; echo slept"], env0) for _ in range(min(runs, 3))])
print("%-34s %10s %10s" % ("1-second command", "ms", "x cmd"))
print("%-34s %10.1f %10.3f" % ("the command (sh -c)", cmd, 1.0))
print("%-34s %10.1f %10.3f" % ("shark, local hit", med(lh), med(lh) / cmd))
print("%-34s %10.1f %10.3f   (target <= 50 ms)" % ("shark, remote hit (new machine)", med(rh), med(rh) / cmd))
if base:
    print("%-34s %10.1f %10.3f" % ("BASE, remote hit (new machine)", med(brh), med(brh) / cmd))
print()

# 2. 256 MiB output served remotely vs curl
sh_t, curl_t, b_t = [], [], []
def dl(binary, k):
    t = run([binary, "-c", "cat big.src"], env(fresh("D%d" % k)), os.path.join(d, "dl.out"))
    shutil.rmtree(os.path.join(d, "D%d" % k), ignore_errors=True)
    os.unlink(os.path.join(d, "dl.out"))
    return t
for k in range(runs):
    sh_t.append(dl(shark, k))
    curl_t.append(run(["curl", "-s", "-o", os.path.join(d, "curl.out"), blob_url], env0))
    os.unlink(os.path.join(d, "curl.out"))
    if base:
        b_t.append(dl(base, k))
s, c = med(sh_t), med(curl_t)
print("%-34s %10s %10s" % ("%d MiB output" % mb, "ms", "MiB/s"))
print("%-34s %10.1f %10.0f" % ("curl, the object to a file", c, mb / (c / 1e3)))
print("%-34s %10.1f %10.0f" % ("shark, remote hit to a file", s, mb / (s / 1e3)))
print("%-34s %21.2fx  (target >= 0.8x)" % ("shark speed / curl speed", c / s))
if base:
    b = med(b_t)
    print("%-34s %10.1f %10.0f" % ("BASE, remote hit to a file", b, mb / (b / 1e3)))
    print("%-34s %21.2fx" % ("BASE speed / curl speed", c / b))
print()

# 3. cold 1-second run, with and without SHARK_REMOTE
on, off, bon, boff = [], [], [], []
for k in range(runs):
    on.append(run([shark, "-c", "sh -c 'sleep 1; echo cold-on-%d'" % k], env(os.path.join(d, "U1"))))
    off.append(run([shark, "-c", "sh -c 'sleep 1; echo cold-off-%d'" % k], env(os.path.join(d, "U2"), False)))
    if base:
        bon.append(run([base, "-c", "sh -c 'sleep 1; echo bcold-on-%d'" % k], env(os.path.join(d, "U3"))))
        boff.append(run([base, "-c", "sh -c 'sleep 1; echo bcold-off-%d'" % k], env(os.path.join(d, "U4"), False)))
a, b = med(on), med(off)
print("%-34s %10s" % ("cold 1-second run", "ms"))
print("%-34s %10.1f" % ("shark, no remote", b))
print("%-34s %10.1f" % ("shark, SHARK_REMOTE (uploads)", a))
print("%-34s %9.1f%%  (target < 5%%)" % ("upload overhead", 100.0 * (a - b) / b))
if base:
    a, b = med(bon), med(boff)
    print("%-34s %10.1f" % ("BASE, no remote", b))
    print("%-34s %10.1f" % ("BASE, SHARK_REMOTE (uploads)", a))
    print("%-34s %9.1f%%" % ("BASE upload overhead", 100.0 * (a - b) / b))
PY
