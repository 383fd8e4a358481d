cat < f1 < f2 2>/dev/null || echo failed
echo in2 > f2
cat < nofile < f2 2>/dev/null || echo failed again
cat < f2 < f2
