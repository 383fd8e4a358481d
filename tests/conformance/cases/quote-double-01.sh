x=value
echo "x is $x and ${x}s"
echo "tab	and   spaces"
