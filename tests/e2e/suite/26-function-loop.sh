# change: sed -i 's/north/North/' data/people.tsv
# rerun: grep -c
count() { grep -c "$1" data/people.tsv; }
for r in north south east west; do
	printf '%s %s\n' "$r" "$(count "$r")"
done | sort -k2n
