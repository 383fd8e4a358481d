exec 3>&1
x=$(echo inside >&3)
echo "[$x]"
