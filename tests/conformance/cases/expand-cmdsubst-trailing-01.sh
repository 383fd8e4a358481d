x=$(printf 'a\n\nb\n\n\n')
printf '[%s]\n' "$x"
