x=v
cat <<END
"$x" '$x' "\$x"
END
