echo 2>f x
cat f
echo 2 >f y
cat f
