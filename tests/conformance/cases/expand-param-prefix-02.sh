x=aaa
echo ${x#a} ${x##a} ${x#a*}x ${x##a*}x
