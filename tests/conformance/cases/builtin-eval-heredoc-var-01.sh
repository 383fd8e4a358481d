v=hello
eval "cat <<'E'
\$v literally
E"
