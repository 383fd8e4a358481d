a='*'
touch f
b="$a"
echo $b "$b"
