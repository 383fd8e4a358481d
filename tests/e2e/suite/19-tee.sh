# change: echo pear >> data/words.txt
# rerun: sort -u data/words.txt
sort -u data/words.txt | tee uniq_words.txt | wc -l
cat uniq_words.txt
