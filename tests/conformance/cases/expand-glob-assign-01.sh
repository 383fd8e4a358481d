touch a b
x=*
echo "$x"
