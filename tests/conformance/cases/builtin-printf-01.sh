printf '%s\n' one two three
printf '%s-%s\n' a b c
