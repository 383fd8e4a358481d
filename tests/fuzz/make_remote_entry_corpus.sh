#!/bin/sh
# make_remote_entry_corpus.sh - (re)make the seeds of
# tests/fuzz/corpus/remote_entry from the trace corpus's valid encodings:
# entries of one, two and three traces, and broken ones (magic, count,
# lengths, truncation, trailing bytes). Run from the top of the tree.
set -eu
t=tests/fuzz/corpus/trace
out=tests/fuzz/corpus/remote_entry
mkdir -p "$out"
python3 - "$t" "$out" <<'PY'
import os, struct, sys
src, out = sys.argv[1], sys.argv[2]
def rd(n):
    with open(os.path.join(src, n), "rb") as f:
        return f.read()
full, eff, one, empty = rd("valid-full"), rd("valid-effects"), rd("valid-one-input"), rd("valid-empty")
magic = b"shark-ac 1\n"
def entry(*ts):
    b = magic + struct.pack("<I", len(ts))
    for t in ts:
        b += struct.pack("<I", len(t)) + t
    return b
seeds = {
    "valid-one": entry(full),
    "valid-two": entry(eff, one),
    "valid-three": entry(empty, full, eff),
    "bad-magic": b"shark-ac 2\n" + entry(full)[len(magic):],
    "bad-count-zero": magic + struct.pack("<I", 0),
    "bad-count-nine": entry(*([one] * 9)),
    "bad-count-more": magic + struct.pack("<I", 2) + entry(full)[len(magic) + 4:],
    "bad-len-long": magic + struct.pack("<II", 1, len(full) + 1) + full,
    "bad-len-zero": magic + struct.pack("<II", 1, 0),
    "bad-truncated": entry(eff, one)[:-3],
    "bad-trailing": entry(full) + b"x",
    "bad-trace": entry(rd("bad-trailing")),
    "bad-empty": b"",
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
PY
