echo "line one
line two"
echo "it's"
