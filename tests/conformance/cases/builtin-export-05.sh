X=1 sh -c 'echo $X'
echo "[${X-unset}]"
