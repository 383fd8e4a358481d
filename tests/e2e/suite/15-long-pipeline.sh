# change: echo 'Lime LIME' >> data/words.txt
# rerun: tr A-Z a-z
cat data/words.txt | tr A-Z a-z | tr -s ' ' '\n' | sort | uniq -c | sort -k1,1nr -k2 | head -n 4
