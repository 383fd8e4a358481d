printf '%s\n' "`printf '%s\n' 'a\\b'`"
printf '%s\n' "$(printf '%s\n' 'a\\b')"
