# change: sed -i '2s/,pear,/,grape,/' data/sales.csv
# rerun: cut -d, -f3
cut -d, -f3 data/sales.csv | sed 1d | sed 's/^./\U&/' | sort -u
