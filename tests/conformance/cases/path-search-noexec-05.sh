: >empty
chmod +x empty
./empty
echo "status $?"
printf 'echo last\n' >s
chmod +x s
(./s)
v=$(./s)
echo "v=$v"
