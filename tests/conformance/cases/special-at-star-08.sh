set -- 'a b'
x="$@"
echo "$x"
y=$*
echo "$y"
