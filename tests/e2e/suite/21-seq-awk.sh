# change: printf '1\n' > n.txt
# rerun: awk
printf '1000\n' > n.txt.default
[ -f n.txt ] || cp n.txt.default n.txt
seq 1 "$(cat n.txt)" | awk '{ s += $1 } END { print s }'
