cat <<END | while read -r a; do echo "[$a]"; done
x
y
END
