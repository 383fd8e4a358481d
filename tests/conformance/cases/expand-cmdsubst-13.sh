echo "$(echo '$x' "\$y")"
echo `echo '\$z'`
