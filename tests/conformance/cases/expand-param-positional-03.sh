set -- a
echo "[$2]" "${2:-none}"
