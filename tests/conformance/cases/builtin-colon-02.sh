false
: 
echo $?
unset u
: ${u:=set-by-colon}
echo $u
