unset u
echo $((u+1))
e=
echo $((e+2))
