read a <<'END'
continued\
line
END
echo "$a"
