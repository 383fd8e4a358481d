> f echo start
cat f
echo mid > g more
cat g
