i=0
while true; do
  while true; do
    i=$((i+1))
    [ $i -ge 3 ] && break 2
  done
done
echo $i
