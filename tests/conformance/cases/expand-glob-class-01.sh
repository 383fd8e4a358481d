touch a B 3
echo [[:lower:]] [[:upper:]] [[:digit:]]
