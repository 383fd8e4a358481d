a=1 set -- p q
echo "a=$a $#"
b=2 shift
echo "b=$b $#"
c=3 true
echo "c=${c-unset}"
