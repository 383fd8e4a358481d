true
echo $?
false
echo $?
(exit 200)
echo $?
