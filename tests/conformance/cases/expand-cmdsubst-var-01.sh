x=$(y=inner; echo $y)
echo "$x [${y-unset}]"
