false
echo $(echo $?)
x=$(exit 3)$(true)
echo $?
