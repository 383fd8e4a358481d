cat <<'$x'
dollar delimiter
$x
cat <<"a b"
spaced delimiter
a b
