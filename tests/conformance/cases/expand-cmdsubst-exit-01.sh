x=$(exit 7; echo no)
echo "$? [$x]"
