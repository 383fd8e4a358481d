# change: echo '2026-12-04 10:00:00 INFO job 4 step 999 ok' >> logs/day4.log
# rerun: wc -l
for f in logs/*.log; do
	n=$(wc -l < "$f")
	echo "$f $n"
	tail -n 1 "$f" | cut -d' ' -f5-
done
