echo data > f
exec < f
read -r l
echo "$l"
