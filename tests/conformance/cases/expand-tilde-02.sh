HOME=/h/me
x=~/p
echo $x
y=a:~/b
echo $y
