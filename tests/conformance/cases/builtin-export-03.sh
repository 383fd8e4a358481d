export Z
sh -c 'echo "[${Z-unset}]"'
Z=later
sh -c 'echo "[${Z-unset}]"'
