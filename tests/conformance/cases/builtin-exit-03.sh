(exit 7)
echo $?
(exit)
echo $?
