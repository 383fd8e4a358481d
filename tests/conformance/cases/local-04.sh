f() { local a=1 b=2; echo $a$b; }
f
echo "[${a-u}${b-u}]"
