printf 'a\\b\n'
printf '%s\n' 'a\nb'
printf 'q\"x\n'
