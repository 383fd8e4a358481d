printf '%s\n'
printf 'no newline'
echo
printf 'percent %%\n'
