x=world
cat <<'END'
hello $x $(echo no) `echo no`
back\slash \
END
