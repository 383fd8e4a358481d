alias a1='a2 '
alias a2='echo'
alias a3='chained'
a1 a3
