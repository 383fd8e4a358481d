e=
echo "[${e=nocolon}]"
unset v
echo "[${v=new}]" "$v"
