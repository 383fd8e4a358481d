x=abcabc
pat=b
echo ${x#*$pat} ${x##*$pat} ${x%$pat*} ${x%%$pat*}
