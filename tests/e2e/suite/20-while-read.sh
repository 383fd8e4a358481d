# change: echo u777 >> data/active.txt
# rerun: tr u U
while read -r id; do
	echo "$id" | tr u U
done < data/active.txt | tail -n 3
head -n 5 data/active.txt | while read -r id; do grep -c "^$id" data/people.tsv; done
