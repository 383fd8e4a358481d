# change: echo u002 >> data/active.txt
# rerun: comm -23
cut -f1 data/people.tsv | sort > all.ids
sort data/active.txt > act.ids
comm -23 all.ids act.ids | wc -l
comm -12 all.ids act.ids | head -n 3
