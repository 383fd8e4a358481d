x=val
echo $x_suffix. ${x}_suffix
