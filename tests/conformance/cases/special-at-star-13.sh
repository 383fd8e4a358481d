set -- 'a b' c
IFS=' '
printf '[%s]' $*; echo
IFS=b
printf '[%s]' $*; echo
