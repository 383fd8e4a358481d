a=1 b=2
unset a b
echo "[${a-u}${b-u}]"
