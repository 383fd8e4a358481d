x=keep
echo ${x:=other} $x
