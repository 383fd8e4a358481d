IFS=:
x=:a:
printf '<%s>' $x; echo
x=a::
printf '<%s>' $x; echo
