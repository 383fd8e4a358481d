unset u
echo ${u:-\$literal} "${u:-\}}"
