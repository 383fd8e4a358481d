unset u
(echo ${u?message}) 2>/dev/null
echo status $?
