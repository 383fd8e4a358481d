touch a b
echo "*" '*' \*
x='*'
echo "$x" $x
