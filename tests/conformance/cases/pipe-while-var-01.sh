n=0
printf '1\n2\n' | while read -r l; do n=$((n+l)); done
echo $n
