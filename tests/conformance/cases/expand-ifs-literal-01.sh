IFS=x
y=axbxc
printf '<%s>' $y; echo
printf '<%s>' axbxc; echo
