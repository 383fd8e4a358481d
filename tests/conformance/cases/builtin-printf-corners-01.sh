printf "[%*.*s]\n" 6 2 abcdef
printf "[%-*s]\n" 4 a
printf "[%.*s]\n" -1 abc
printf "[%*d]\n" -5 3
printf "a\0b\n" | od -An -c
printf "%s\0" x y | od -An -c
printf "%b\n" "1\00002" | od -An -c
printf "[%c]\n" ""
