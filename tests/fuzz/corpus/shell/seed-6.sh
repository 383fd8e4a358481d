cat <<EOF
$x ${y} $(echo hi) `date` $((1<<3))
EOF
cat <<-"Q"
	literal $x
	Q
