(exit 300)
echo $?
(exit 256)
echo $?
