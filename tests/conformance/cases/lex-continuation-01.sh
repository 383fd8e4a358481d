ec\
ho joined
x=ab\
cd
echo $x
