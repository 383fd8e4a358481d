false && echo x
echo $?
true || echo x
echo $?
