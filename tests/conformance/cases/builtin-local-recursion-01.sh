f() {
	local d=$1
	if [ $d -gt 0 ]; then f $((d-1)); fi
	printf '%s ' $d
}
f 3
echo
