printf '%x %X %o\n' 255 255 8
printf '%c%c\n' abc d
