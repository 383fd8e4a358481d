echo {a,b}
echo $'x'
x=abc
echo "${x}"
