alias ls='ls -d'
ls .
