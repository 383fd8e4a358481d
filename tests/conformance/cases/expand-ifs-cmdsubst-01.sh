printf '<%s>' $(printf 'a b\nc'); echo
IFS='
'
printf '<%s>' $(printf 'a b\nc'); echo
