# data.sh - the inputs of the completeness suite (run by bash in a fresh
# workspace; deterministic: every run makes the same bytes).
set -eu
mkdir -p data logs src
awk 'BEGIN {
	srand(7)
	split("north south east west", region, " ")
	split("apple pear plum fig kiwi lime", item, " ")
	print "id,region,item,qty,price" > "data/sales.csv"
	for (i = 1; i <= 2000; i++)
		printf "%d,%s,%s,%d,%.2f\n", i, region[i % 4 + 1], item[i % 6 + 1], (i * 7) % 13 + 1, (i * 31 % 997) / 10 >> "data/sales.csv"
	for (i = 1; i <= 300; i++)
		printf "u%03d\t%s\t%d\n", i, region[i % 4 + 1], 20 + i % 50 > "data/people.tsv"
	for (i = 1; i <= 5000; i++)
		print item[(i * i) % 6 + 1] > "data/words.txt"
	for (d = 1; d <= 4; d++)
		for (i = 1; i <= 200; i++)
			printf "2026-12-0%d 10:%02d:%02d INFO job %d step %d ok\n", d, i % 60, (i * 7) % 60, d, i > ("logs/day" d ".log")
}'
printf 'one\ntwo\nthree\nfour\n' >data/a.txt
printf 'one\ntwo\nTHREE\nfour\nfive\n' >data/b.txt
cut -f1 data/people.tsv | sed -n '1~3p' >data/active.txt
cat >src/job.py <<'PY'
import csv, json, os, sys
os.makedirs("out", exist_ok=True)
totals = {}
with open("data/sales.csv") as f:
    for row in csv.DictReader(f):
        totals[row["region"]] = totals.get(row["region"], 0) + int(row["qty"]) * float(row["price"])
with open("out/totals.csv", "w") as f:
    for k in sorted(totals):
        f.write("%s,%.2f\n" % (k, totals[k]))
with open("out/totals.json", "w") as f:
    json.dump({k: round(v, 2) for k, v in sorted(totals.items())}, f, indent=1)
print("regions:", len(totals))
print("done", file=sys.stderr)
PY
cat >src/plot.py <<'PY'
import os, sys
os.makedirs("plots", exist_ok=True)
vals = [int(l.split(",")[3]) for l in open("data/sales.csv").read().splitlines()[1:]]
hist = [0] * 14
for v in vals:
    hist[v] += 1
with open("plots/qty.svg", "w") as f:
    f.write('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120">\n')
    for i, h in enumerate(hist):
        f.write('<rect x="%d" y="%d" width="18" height="%d"/>\n' % (i * 20, 120 - h // 2, h // 2))
    f.write("</svg>\n")
print("bars", len(hist))
PY
cat >src/tmpfile.py <<'PY'
import os, tempfile
fd, name = tempfile.mkstemp(dir=".")
with os.fdopen(fd, "w") as f:
    f.write("".join(sorted(open("data/words.txt"))))
os.replace(name, "sorted_words.txt")
PY
printf '#!/bin/sh\nexec sort "$@"\n' >src/wrap.sh
chmod +x src/wrap.sh
printf 'CREATE TABLE people(id TEXT, region TEXT, age INT);\n.mode tabs\n.import data/people.tsv people\n' >src/load.sql
git init -q repo
printf 'hello\n' >repo/a.txt
printf 'world\n' >repo/b.txt
git -C repo add a.txt b.txt
git -C repo -c user.name=t -c user.email=t@example.com commit -q -m init --date=2026-01-01T00:00:00
printf 'hello again\n' >repo/a.txt
