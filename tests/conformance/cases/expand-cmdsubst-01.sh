echo $(echo hello)
echo "$(echo quoted)"
x=$(echo assigned)
echo $x
