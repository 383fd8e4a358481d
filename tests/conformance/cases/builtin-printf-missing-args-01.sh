printf '%s|%d|%s\n' only
printf '%s\n'
printf '[%5s]\n'
