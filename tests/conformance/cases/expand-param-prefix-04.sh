x='*star'
echo ${x#\*} ${x#'*'} "${x#"*"}"
y='abc*'
echo ${y%\*}
