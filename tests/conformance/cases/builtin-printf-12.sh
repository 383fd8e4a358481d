printf '%i|%u\n' 12 13
printf '%3s|%-3s|\n' x y
