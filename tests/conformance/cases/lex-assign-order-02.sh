x=old
x=new eval 'echo $x'
echo $x
