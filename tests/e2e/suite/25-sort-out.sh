# change: echo 'z9999,west,fig,1,1.00' >> data/sales.csv
# rerun: sort -t, -k5
# 2nd-miss: sort -t, -k5 -rn data/sales.csv -o by_price.csv (GNU sort stats its -o file before replacing it, to catch `sort -o f f`: run 1 saw no file there, run 2 sees one)
sort -t, -k5 -rn data/sales.csv -o by_price.csv
head -n 3 by_price.csv
sort -t, -k2,2 -k1,1n data/sales.csv > by_region.csv
tail -n 2 by_region.csv
