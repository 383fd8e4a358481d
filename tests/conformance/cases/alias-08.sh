alias ls='echo aliased-ls'
\ls -d .
'ls' -d .
ls
