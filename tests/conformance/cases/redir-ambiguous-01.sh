touch a b
(echo x > *) 2>/dev/null
echo status $?
ls
