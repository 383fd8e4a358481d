alias e='echo '
alias w='world'
e w
