exec 3>&1
exec > f
echo hidden
exec >&3 3>&-
echo visible
cat f
