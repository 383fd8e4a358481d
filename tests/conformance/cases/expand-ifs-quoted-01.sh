IFS=:
x=a:b
printf '<%s>' "$x" $x; echo
