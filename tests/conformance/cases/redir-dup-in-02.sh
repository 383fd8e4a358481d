echo data > f
cat 0<f
read -r x 5<f <&5
echo $x
