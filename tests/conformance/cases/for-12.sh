for i in $(echo x y) "$(echo z w)"; do echo "[$i]"; done
