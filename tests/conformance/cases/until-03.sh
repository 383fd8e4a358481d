i=5
until [ $i -eq 0 ]
do
  i=$((i-1))
done
echo $i
