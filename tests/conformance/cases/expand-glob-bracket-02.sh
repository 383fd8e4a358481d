touch ./- a ']'
echo [a-]
echo []]
