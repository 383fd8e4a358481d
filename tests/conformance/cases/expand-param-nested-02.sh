x=value
echo ${x:+"${x}s"}
unset u
echo ${u:-"${x}"}
