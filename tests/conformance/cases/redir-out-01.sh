echo hello > f
cat f
echo again > f
cat f
