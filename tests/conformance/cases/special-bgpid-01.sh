echo "[${!-unset}]"
true &
p=$!
wait
[ "$p" = "$!" ] && echo stable
