# change: echo apple >> data/words.txt
# rerun: python3 src/tmpfile.py
python3 src/tmpfile.py
uniq -c sorted_words.txt
