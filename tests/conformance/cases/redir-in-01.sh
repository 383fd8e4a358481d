printf 'l1\nl2\n' > f
cat < f
wc -l < f | tr -d ' '
