unset u
echo ${u:=assigned}
echo $u
e=
echo ${e:=filled} ${e}
