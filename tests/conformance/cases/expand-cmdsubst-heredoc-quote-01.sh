x=$(cat <<'END'
it's a ) paren
END
)
echo "$x"
