

echo after-blank-lines

echo done
