# change: sed -i 's/^7,[a-z]*,/7,north,/' data/sales.csv
# rerun: python3 src/job.py
# outdirs: out
python3 src/job.py
cat out/totals.csv
python3 -c 'import json; d = json.load(open("out/totals.json")); print(sorted(d))'
