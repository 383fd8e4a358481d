printf '%.3s|%5s|%-5s|\n' abcdef ab ab
