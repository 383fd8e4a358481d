x=0
echo $((1||(x=5))) $x
echo $((0&&(x=6))) $x
