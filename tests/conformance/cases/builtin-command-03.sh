f() { :; }
command -v f
alias ll='ls -l'
command -v ll
