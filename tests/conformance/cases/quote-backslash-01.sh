printf '%s\n' \a\b\c
printf '%s\n' \$HOME \'q\' \"d\"
printf '%s\n' \\
