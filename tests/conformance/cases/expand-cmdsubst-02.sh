echo `echo back`
echo "`echo back quoted`"
