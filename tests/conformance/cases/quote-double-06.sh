echo "$(echo "inner \"quoted\"")"
echo "`echo back`"
