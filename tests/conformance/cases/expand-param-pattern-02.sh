x='a*b*c'
pat='*'
echo "${x#*"$pat"}" "${x#*$pat}"
