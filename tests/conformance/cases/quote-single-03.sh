printf '%s' '\n' | od -c | head -n 1 | sed 's/  */ /g'
echo ''
echo '' '' | od -c | head -n 1 | sed 's/  */ /g'
