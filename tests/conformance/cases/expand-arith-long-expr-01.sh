a=3 b=4 c=5
echo $(( a*a + b*b == c*c ? 1 : 0 )) $(( (a<b) + (b<c) + (c<a) ))
