# change: echo u999 >> data/active.txt
# rerun: join
sort data/active.txt > active.sorted
sort -k1,1 data/people.tsv > people.sorted
join -t "$(printf '\t')" active.sorted people.sorted | cut -f2 | sort | uniq -c
