unset y
y=set env | grep '^y='
echo "[${y-unset}]"
