# change: echo six >> data/b.txt
# rerun: diff data/a.txt data/b.txt
diff data/a.txt data/b.txt
echo "diff: $?"
diff -u data/a.txt data/b.txt | tail -n +3
cmp -s data/a.txt data/b.txt || echo differ
