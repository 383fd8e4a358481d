printf '%+d % d %#x %#o\n' 5 5 255 8
printf '%-4s|%4s|\n' ab cd
