# change: echo kiwi >> data/words.txt
# rerun: sort data/words.txt
sort data/words.txt | uniq -c | sort -rn | head -n 3
