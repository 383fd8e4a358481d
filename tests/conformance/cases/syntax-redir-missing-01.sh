echo ok
cat <
echo no
