trap '' TERM
trap
