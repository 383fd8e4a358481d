# change: sed -i '2s/,[0-9]*,\([0-9.]*\)$/,13,\1/' data/sales.csv
# rerun: python3 src/plot.py
# outdirs: plots
python3 src/plot.py
wc -l < plots/qty.svg
md5sum plots/qty.svg
