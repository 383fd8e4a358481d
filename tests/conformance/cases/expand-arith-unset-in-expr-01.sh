unset n
echo $((n)) $((n + n * 2)) $((-n))
