alias x1='echo one' x2='echo two'
alias x1
alias | grep '^x2='
