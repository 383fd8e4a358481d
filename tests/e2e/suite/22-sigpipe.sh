# change: echo 300001 > size.txt
# rerun: head -c
[ -f size.txt ] || echo 300000 > size.txt
yes | head -c "$(cat size.txt)" | wc -c
seq 1 100000 | head -n 2
