# change: echo u777 >> data/active.txt
# rerun: tr u U
# (tail's stdin comes from the loop: it is looked up when the loop ends
# within 3 s, docs/memo.md; 40 iterations of a hit take well under that)
tail -n 40 data/active.txt | while read -r id; do
	echo "$id" | tr u U
done | tail -n 3
head -n 5 data/active.txt | while read -r id; do grep -c "^$id" data/people.tsv; done
