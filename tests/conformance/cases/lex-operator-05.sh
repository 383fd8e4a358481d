echo "a" 'b'>out;cat out
x=1;y=2;echo $x$y
