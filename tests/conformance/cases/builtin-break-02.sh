i=0
while true; do
  i=$((i+1))
  [ $i -gt 2 ] && break
  echo $i
done
