if true; then echo then-branch; fi
{ echo brace; }
! false
echo $?
