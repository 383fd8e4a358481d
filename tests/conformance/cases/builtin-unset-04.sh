export E=1
unset E
sh -c 'echo "[${E-unset}]"'
