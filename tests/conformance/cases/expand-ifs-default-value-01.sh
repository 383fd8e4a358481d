printf '%s' "$IFS" | od -c | sed -n 1p | sed 's/  */ /g'
