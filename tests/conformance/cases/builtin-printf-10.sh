printf '%s %s\n' only
printf '[%d]\n' ''
