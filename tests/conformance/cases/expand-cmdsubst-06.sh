echo $(echo a; echo b)
echo "$(echo a; echo b)"
