unset u
echo ${u:-$(echo cmd)} ${u:-$((2*3))}
echo "${u:-a  b}"
echo ${u:-'quoted  word'}
