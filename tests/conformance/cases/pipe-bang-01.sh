! true
echo $?
! false
echo $?
! true | false
echo $?
