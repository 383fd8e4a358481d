echo hello > f
exec 3<> f
read -r line <&3
echo "read: $line"
echo more >&3
exec 3>&-
cat f
