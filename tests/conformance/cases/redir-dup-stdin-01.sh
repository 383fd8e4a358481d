echo data > f
exec 3<f
cat <&3
cat <&3
echo empty-after
