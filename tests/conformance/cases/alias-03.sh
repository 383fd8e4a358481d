alias a='echo x'
unalias a
a 2>/dev/null
echo status $?
