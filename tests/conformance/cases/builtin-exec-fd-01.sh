exec 3>f
echo via-three >&3
exec 3>&-
exec 4<f
read -r l <&4
exec 4<&-
echo "$l"
