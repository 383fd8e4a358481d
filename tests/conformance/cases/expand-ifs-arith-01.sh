IFS=1
x=$((111+100))
printf '<%s>' $x; echo
