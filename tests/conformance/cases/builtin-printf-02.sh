printf '%d %d\n' 42 -7
printf '%5d|%-5d|%05d\n' 3 3 3
