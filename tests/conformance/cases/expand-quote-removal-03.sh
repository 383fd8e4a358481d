x='a\b'
echo "$x" | od -c | sed -n 1p | sed 's/  */ /g'
