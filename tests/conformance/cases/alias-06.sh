alias a='echo a'
alias b='echo b'
unalias -a
alias
echo cleared
