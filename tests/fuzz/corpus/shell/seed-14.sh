IFS=:; set -- a:b::c; for f; do echo "[$f]"; done
