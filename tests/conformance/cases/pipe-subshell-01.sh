x=1
echo | x=2
echo $x
echo a | read y
echo "[${y-unset}]"
