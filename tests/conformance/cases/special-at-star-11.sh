set -- '' ''
printf '[%s]' "$@"; echo
set -- '' ''
printf '[%s]' $@; echo
echo $#
