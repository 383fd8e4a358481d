! { false; }
echo $?
! (exit 4)
echo $?
! f() { :; }
echo after-def
