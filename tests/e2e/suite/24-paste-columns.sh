# change: sed -i '1s/.*/zero/' data/a.txt
# rerun: paste
paste -d: data/a.txt data/b.txt
paste -s -d+ data/a.txt | tr a-z A-Z
nl -ba data/b.txt | tail -n 2
