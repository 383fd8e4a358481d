# change: sed -i 's/^5,/5000,/' data/sales.csv
# rerun: awk -F,
awk -F, 'NR > 1 { rev[$2] += $4 * $5 } END { for (r in rev) printf "%s %.2f\n", r, rev[r] }' data/sales.csv | sort -k2 -rn
