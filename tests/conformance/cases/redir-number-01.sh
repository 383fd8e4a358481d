echo 1>f 2
cat f
echo a2>f
cat f
