echo "[$(printf 'a\n\n\n')]"
echo "[$(printf '\n\nb')]"
