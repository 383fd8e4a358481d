printf 'a\tb\\c\n'
printf '\101\102\n'
