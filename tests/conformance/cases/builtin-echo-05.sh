echo '\0101' | od -c | sed -n 1p | sed 's/  */ /g'
echo 'back\\slash'
