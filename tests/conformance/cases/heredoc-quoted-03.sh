cat <<'E O F'
body
E O F
echo done
