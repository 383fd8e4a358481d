(echo a; echo b) | sort -r
