touch a1 a2 a3 b1
echo a[1-2] [a-b]1 a[!1]
