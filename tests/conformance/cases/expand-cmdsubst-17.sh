echo "$(echo "$(echo "nest  ed")")"
