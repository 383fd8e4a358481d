echo 'quoted # not comment' "also # not"
echo \#escaped
x=1#2
echo $x
