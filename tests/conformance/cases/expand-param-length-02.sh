x='a b  c'
echo ${#x}
set -- 1 2 3 4 5 6 7 8 9 10 11
echo ${#}
echo ${#1} ${#11}
