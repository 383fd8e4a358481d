x() { echo func-x; }
x=var
unset x
x
echo "[${x-unset}]"
