echo hello | tr a-z A-Z
echo a b c | wc -w | tr -d ' '
