echo "a"'b'\c
echo "" '' x
