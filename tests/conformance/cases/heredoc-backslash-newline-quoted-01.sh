cat <<'END'
keep \
this
END
