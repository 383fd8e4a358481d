# change: echo more >> repo/b.txt
# rerun: git -C repo diff
git -C repo status --short
git -C repo diff --stat
git -C repo log --format=%s | wc -l
