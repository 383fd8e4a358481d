IFS=:
x=::a
printf '[%s]' $x; echo
