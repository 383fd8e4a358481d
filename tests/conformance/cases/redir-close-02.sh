exec 3> f
echo via3 >&3
exec 3>&-
echo x >&3
echo status $?
cat f
