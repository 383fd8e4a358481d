# change: echo '2026-12-05 ERROR disk full' >> logs/day4.log
# rerun: grep -h ERROR
grep -h ERROR logs/*.log
echo "errors: $?"
grep -h ERROR logs/*.log | wc -l
grep -c 'step 1 ' logs/day1.log
