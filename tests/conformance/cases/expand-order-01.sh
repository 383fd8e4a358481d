x='$y'
y=inner
echo $x
eval echo $x
