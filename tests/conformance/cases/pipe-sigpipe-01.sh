yes | head -n 3
echo done
