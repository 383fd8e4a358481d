x=foo.bar
echo "${x%.*}" "${x#*.}"
unset u
echo "[${u%x}]" "[${u#x}]"
