HOME=/h
P=~/bin:~/lib:x~
echo $P
